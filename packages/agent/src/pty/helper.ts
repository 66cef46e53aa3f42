/**
 * The PTY helper, run as `python3 -c HELPER cols rows` (the guest has python3 but the agent may
 * not load native code). It starts `bash -l` on a new PTY in a session of its own, copies stdin
 * to the PTY and the PTY to stdout, applies `{"cols":c,"rows":r}` lines read on fd 3 with
 * TIOCSWINSZ, and when the shell exits (or on stdin EOF / SIGTERM) SIGKILLs everything left in
 * the shell's session, then reports `{"code":n,"signal":"SIGx"}` as the last line on stderr.
 */
export const PTY_HELPER = String.raw`
import errno, fcntl, json, os, select, signal, struct, sys, termios

def winsize(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))

master, slave = os.openpty()
winsize(master, int(sys.argv[1]), int(sys.argv[2]))
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.closerange(3, 256)
    os.execvp('bash', ['bash', '-l'])
os.close(slave)

def kill_session():
    # Background jobs get process groups of their own; the session holds them all.
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            if int(fields[3]) == pid:
                os.kill(int(name), signal.SIGKILL)
        except (OSError, IndexError, ValueError):
            pass

def finish(status):
    kill_session()
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        report = {'code': 128 + sig, 'signal': signal.Signals(sig).name}
    else:
        report = {'code': os.WEXITSTATUS(status) & 255}
    sys.stderr.write(json.dumps(report) + '\n')
    sys.stderr.flush()
    os._exit(0)

def stop(*_):
    kill_session()
    finish(os.waitpid(pid, 0)[1])

signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGHUP, stop)
os.set_blocking(master, False)
pending = b''
control = b''
inputs = [master, 0, 3]
status = None
while True:
    if status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
    wanted = [master] if pending else []
    try:
        r, w, _ = select.select(inputs, wanted, [], 0.05 if status is not None else 0.25)
    except InterruptedError:
        continue
    if master in w:
        n = os.write(master, pending)
        pending = pending[n:]
    if 0 in r:
        data = os.read(0, 65536)
        if not data:
            stop()
        pending += data
    if 3 in r:
        data = os.read(3, 4096)
        if not data:
            inputs.remove(3)
        control += data
        while b'\n' in control:
            line, control = control.split(b'\n', 1)
            try:
                size = json.loads(line)
                winsize(master, int(size['cols']), int(size['rows']))
            except (ValueError, KeyError, TypeError, OSError):
                pass
    if master in r:
        try:
            data = os.read(master, 65536)
        except OSError as e:
            data = b'' if e.errno == errno.EIO else None
            if data is None:
                raise
        if data:
            os.write(1, data)
            continue
        if status is None:
            status = os.waitpid(pid, 0)[1]
        finish(status)
    elif status is not None:
        finish(status)
`;
