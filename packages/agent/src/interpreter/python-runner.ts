/**
 * The Python runner, run as `python3 -u -c PYTHON_RUNNER` (one process per context). Requests
 * (`{"code","nonce"}` lines) arrive on fd 3; frames (`ready`, `result`, `error`, `done`) leave on
 * fd 4, so nothing user code prints can forge or break them. User code writes to fds 1 and 2
 * freely; at the end of a run the runner writes the run's nonce marker to both, so the agent
 * knows every byte before it belongs to this run. Rich results follow IPython's `_repr_*_`
 * protocol; matplotlib figures left open (Agg backend) come back as PNG and are closed. SIGINT
 * interrupts a run (KeyboardInterrupt) and is ignored between runs.
 */
export const PYTHON_RUNNER = String.raw`
import ast, base64, io, json, linecache, os, signal, sys, traceback, warnings

LIMIT = int(os.environ.pop('PADDOCK_RESULT_LIMIT', '1572864'))
for fd in (3, 4):
    os.set_inheritable(fd, False)
requests = os.fdopen(3, 'r', encoding='utf-8')
warnings.filterwarnings('ignore', message='.*(non-interactive|non-GUI backend).*')
running = False

def on_interrupt(signum, frame):
    if running:
        raise KeyboardInterrupt()

signal.signal(signal.SIGINT, on_interrupt)

def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]

def send(frame):
    write_all(4, (json.dumps(frame) + '\n').encode('utf-8'))

def figure_png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format='png', bbox_inches='tight')
    return base64.b64encode(buf.getvalue()).decode('ascii')

REPRS = (('html', '_repr_html_'), ('markdown', '_repr_markdown_'), ('svg', '_repr_svg_'),
         ('png', '_repr_png_'), ('jpeg', '_repr_jpeg_'), ('latex', '_repr_latex_'),
         ('json', '_repr_json_'), ('javascript', '_repr_javascript_'))

def rich(value):
    out = {}
    for key, name in REPRS:
        try:
            method = getattr(value, name, None)
            form = method() if callable(method) else None
        except Exception:
            continue
        if isinstance(form, tuple):
            form = form[0]
        if form is None:
            continue
        if key in ('png', 'jpeg') and isinstance(form, bytes):
            form = base64.b64encode(form).decode('ascii')
        if key == 'json':
            try:
                json.dumps(form)
            except (TypeError, ValueError):
                continue
        elif not isinstance(form, str):
            continue
        out[key] = form
    mpl = sys.modules.get('matplotlib.figure')
    if mpl is not None and isinstance(value, mpl.Figure):
        out['png'] = figure_png(value)
        plt = sys.modules.get('matplotlib.pyplot')
        if plt is not None:
            plt.close(value)
    try:
        out['text'] = repr(value)
    except Exception as e:
        out['text'] = '<unrepresentable %s: %s>' % (type(value).__name__, e)
    return bounded(out)

def bounded(out):
    dropped = [k for k, v in out.items() if len(json.dumps(v)) > LIMIT]
    for k in dropped:
        del out[k]
    if dropped:
        out['truncated'] = dropped
    return out

def display(value):
    send({'type': 'result', 'result': rich(value)})

def show_figures():
    plt = sys.modules.get('matplotlib.pyplot')
    if plt is None:
        return
    for num in plt.get_fignums():
        fig = plt.figure(num)
        send({'type': 'result', 'result': bounded({'png': figure_png(fig), 'text': repr(fig)})})
    plt.close('all')

def report(e, tb):
    lines = traceback.format_exception(type(e), e, tb)
    message = e.msg if isinstance(e, SyntaxError) and e.msg else str(e)
    send({'type': 'error', 'error': {'name': type(e).__name__, 'message': message,
                                     'traceback': lines}})

namespace = {'__name__': '__main__', '__builtins__': __builtins__, 'display': display}
count = 0

def run(code):
    global running, count
    count += 1
    name = '<cell-%d>' % count
    linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    try:
        tree = ast.parse(code, name, 'exec')
    except (SyntaxError, ValueError) as e:
        report(e, None)
        return
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    running = True
    try:
        exec(compile(tree, name, 'exec'), namespace)
        if last is not None:
            value = eval(compile(last, name, 'eval'), namespace)
            if value is not None:
                namespace['_'] = value
                display(value)
        show_figures()
    except BaseException as e:
        tb = e.__traceback__
        # Drop the runner's own frames: the traceback starts in the user's cell.
        while tb is not None and not tb.tb_frame.f_code.co_filename.startswith('<cell-'):
            tb = tb.tb_next
        report(e, tb)
    finally:
        running = False

def finish(nonce):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    marker = ('\x00PDK-END-%s\x00' % nonce).encode('ascii')
    write_all(1, marker)
    write_all(2, marker)
    send({'type': 'done'})

send({'type': 'ready'})
for line in requests:
    request = json.loads(line)
    try:
        run(request['code'])
    except BaseException as e:
        report(e, None)
    finish(request['nonce'])
`;
