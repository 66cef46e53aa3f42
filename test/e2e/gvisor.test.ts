import { describeConformance } from './conformance.js';

describeConformance({
  backend: 'gvisor',
  subnet: '10.219.0.0/16',
  survivesLimits: false,
  ownKernel: true,
});
