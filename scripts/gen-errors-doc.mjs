// Writes docs/errors.md from the error registry (a unit test keeps the two in step).
import { writeFileSync } from 'node:fs';
import { ERRORS } from '../packages/protocol/dist/errors.js';

const rows = Object.entries(ERRORS).map(
  ([code, spec]) =>
    `| \`${code}\` | ${spec.status} | ${spec.retryable ? 'yes' : 'no'} | ${spec.hint} |`,
);
const text = `# Error codes

Every error Paddock reports is \`{ code, message, details? }\` with the HTTP status below. The SDK
throws a \`PaddockError\` (or a subclass) carrying \`.code\`; match on the code. The message ends
with the hint. A retired code is never reused. Generated from \`packages/protocol/src/errors.ts\` by
\`node scripts/gen-errors-doc.mjs\`.

| code | HTTP | retryable | what to do |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
writeFileSync(new URL('../docs/errors.md', import.meta.url), text);
