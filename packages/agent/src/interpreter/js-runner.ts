/**
 * The JavaScript/TypeScript runner, run as `node -e JS_RUNNER` (one process per context), with
 * the Python runner's framing: requests on fd 3, frames on fd 4, the nonce marker on fds 1 and 2.
 * Code runs in one persistent vm context (declarations persist between runs; the value of the
 * last expression is the result). Code with top-level `await` goes through Node's REPL
 * evaluator, which hoists declarations out of the async wrapper it needs; its errors surface on
 * the REPL's domain, so the runner listens there. TypeScript is transpiled (no type checking) by
 * the guest's `typescript` package before it runs. A run's sync part has a vm timeout and SIGINT
 * breaks it; SIGINT also abandons a pending await.
 */
export const JS_RUNNER = String.raw`
const fs = require('fs'), net = require('net'), repl = require('repl'), util = require('util');
const vm = require('vm');
const { PassThrough } = require('stream');
const LIMIT = Number(process.env.PADDOCK_RESULT_LIMIT || 1572864);
const TYPESCRIPT = process.env.PADDOCK_LANGUAGE === 'typescript';
delete process.env.PADDOCK_RESULT_LIMIT;
delete process.env.PADDOCK_LANGUAGE;

function writeAll(fd, text) {
  let buf = Buffer.from(text);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(fs.writeSync(fd, buf));
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}
const send = (frame) => writeAll(4, JSON.stringify(frame) + '\n');

const server = repl.start({
  input: new PassThrough(), output: new PassThrough(), terminal: false, useGlobal: false,
  prompt: '',
});
const context = server.context;
Object.defineProperty(context, 'console', { value: console, writable: true, configurable: true });
let pendingEval;
server._domain.on('error', (e) => pendingEval && pendingEval.reject(e));

let interrupt;
process.on('SIGINT', () => interrupt && interrupt());

function replEval(code, name) {
  return new Promise((resolve, reject) => {
    pendingEval = { reject };
    server.eval(code, context, name, (err, value) => (err ? reject(err) : resolve(value)));
  }).finally(() => (pendingEval = undefined));
}

let ts;
function loadTypescript() {
  try {
    return require('typescript');
  } catch {
    return require('/usr/share/nodejs/typescript'); // Debian's node-typescript
  }
}

function transpile(code) {
  ts = ts || loadTypescript();
  const out = ts.transpileModule(code, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
                       esModuleInterop: true, alwaysStrict: false },
  });
  const fatal = (out.diagnostics || []).find((d) => d.category === ts.DiagnosticCategory.Error
    && ![1375, 1378, 1431, 1432].includes(d.code));
  if (fatal) {
    const e = new SyntaxError(ts.flattenDiagnosticMessageText(fatal.messageText, '\n'));
    e.stack = 'SyntaxError: ' + e.message;
    throw e;
  }
  return out.outputText;
}

async function evaluate(source, name, timeout) {
  const code = TYPESCRIPT ? transpile(source) : source;
  let script;
  try {
    script = new vm.Script(code, { filename: name });
  } catch (e) {
    if (e instanceof SyntaxError && /\bawait\b/.test(code)) return replEval(code, name);
    throw e;
  }
  return script.runInContext(context, { timeout, breakOnSigint: true, displayErrors: false });
}

function bounded(out) {
  const dropped = Object.keys(out).filter((k) => JSON.stringify(out[k]).length > LIMIT);
  for (const k of dropped) delete out[k];
  if (dropped.length) out.truncated = dropped;
  return out;
}

function rich(value) {
  const out = { text: typeof value === 'string' ? value : util.inspect(value, { depth: 4 }) };
  if (value !== null && typeof value === 'object' && !util.types.isPromise(value)) {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) out.json = JSON.parse(json);
    } catch {}
  }
  return bounded(out);
}

function errorFrame(e) {
  const isError = e !== null && typeof e === 'object' && typeof e.stack === 'string';
  const name = isError ? String(e.name || 'Error') : 'Error';
  const message = isError ? String(e.message) : util.inspect(e);
  const lines = isError ? e.stack.split('\n').filter((l) => !/node:(vm|repl|domain|internal)|\[eval\]/.test(l)) : [message];
  return { type: 'error', error: { name, message, traceback: lines } };
}

let count = 0;
async function run(request) {
  count += 1;
  const name = 'cell-' + count;
  const stop = new Promise((_, reject) => {
    interrupt = () => reject(Object.assign(new Error('interrupted'), { name: 'Interrupted' }));
  });
  stop.catch(() => {});
  try {
    let value = await Promise.race([evaluate(request.code, name, request.timeout), stop]);
    if (util.types.isPromise(value)) value = await Promise.race([value, stop]);
    if (value !== undefined) send({ type: 'result', result: rich(value) });
  } catch (e) {
    send(errorFrame(e));
  } finally {
    interrupt = undefined;
  }
}

function finish(nonce) {
  const marker = '\u0000PDK-END-' + nonce + '\u0000';
  writeAll(1, marker);
  writeAll(2, marker);
  send({ type: 'done' });
}

const requests = new net.Socket({ fd: 3, readable: true, writable: false });
let buffered = '';
let queue = Promise.resolve();
requests.setEncoding('utf8');
requests.on('data', (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf('\n')) !== -1) {
    const request = JSON.parse(buffered.slice(0, nl));
    buffered = buffered.slice(nl + 1);
    queue = queue.then(() => run(request)).then(() => finish(request.nonce));
  }
});
requests.on('end', () => process.exit(0));
send({ type: 'ready' });
`;
