import { describeConformance } from './conformance.js';

describeConformance({
  backend: 'jail',
  subnet: '10.214.0.0/16',
  survivesLimits: true,
  ownKernel: false,
});
