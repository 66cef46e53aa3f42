/**
 * Stage 2 of the microVM's boot, run by the guest image's /bin/sh as PID 1 after switch_root: the
 * mounts, hostname, network and pids cgroup the agent expects, then tini with the agent. Its
 * parameters come from the kernel command line (`paddock.*`, reserved, see kernel-cmdline.ts);
 * the agent token comes over fw_cfg, so it is on no command line on the host.
 */
import { AGENT_ENV, AGENT_PORT, VM_CONTROL_ENV, VM_CONTROL_PORT } from '@paddock/protocol';

export const TOKEN_FW_CFG_NAME = 'opt/paddock/token';

export const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function stage2Script(): string {
  return `#!/bin/sh
set -eu
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o nosuid,noexec,ptmxmode=0666,mode=0620 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    paddock.ip=*) ip="\${arg#*=}" ;;
    paddock.gw=*) gw="\${arg#*=}" ;;
    paddock.hostname=*) host="\${arg#*=}" ;;
    paddock.pids=*) pids="\${arg#*=}" ;;
    paddock.nofile=*) nofile="\${arg#*=}" ;;
  esac
done
echo "$host" > /proc/sys/kernel/hostname
ip link set lo up
ip addr add "$ip" dev eth0
ip link set eth0 up
ip route add default via "$gw"
# Names go to the daemon's resolver, reached at the gateway (the firewall redirects port 53).
echo "nameserver $gw" > /etc/resolv.conf
# The sandbox's processes (tini, the agent, every command) share one pids limit, as in the jail.
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
echo +pids > /sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/sandbox
echo "$pids" > /sys/fs/cgroup/sandbox/pids.max
echo $$ > /sys/fs/cgroup/sandbox/cgroup.procs
# Every process's open-file limit, as RLIMIT_NOFILE in the OCI sandboxes.
ulimit -n "$nofile"
token=$(cat /sys/firmware/qemu_fw_cfg/by_name/${TOKEN_FW_CFG_NAME}/raw)
# The control port, by its name (only a restore from a snapshot speaks on it).
control=
for port in /sys/class/virtio-ports/*; do
  if [ "$(cat "$port/name" 2>/dev/null)" = ${VM_CONTROL_PORT} ]; then control="/dev/\${port##*/}"; fi
done
cd /
echo "paddock stage 2: starting the agent"
exec /usr/bin/env -i PATH=${GUEST_PATH} HOME=/root LANG=C.UTF-8 \\
  ${AGENT_ENV.token}="$token" ${AGENT_ENV.listen}=0.0.0.0:${AGENT_PORT} \\
  ${VM_CONTROL_ENV}="$control" \\
  /usr/bin/tini -g -- /usr/bin/node /opt/paddock/agent.mjs
`;
}
