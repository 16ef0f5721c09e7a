#!/bin/bash
# PID 1 of the Ganeti test's namespaces, started by
#   unshare --uts --net --mount --propagation slave --pid --fork --mount-proc
# Everything it changes stays in these namespaces: /var/lib/ganeti is a fresh
# tmpfs; /tmp, /etc, /root, /srv, /run and /var/log are overlays whose upper
# layers live on a fresh tmpfs over /dev/shm (overlays, not empty mounts, so a
# checkout under /tmp stays visible); the node's address sits on a veth pair
# that exists only in this network namespace, whose own sysfs is on /sys. When
# this process ends (the test closes its stdin, or dies), the kernel kills
# every process of the PID namespace, and the mounts and the network go with
# the namespaces.
# Mounts made here never propagate to the host (slave propagation), while the
# host's own unmounts still reach here.
#
# Usage: namespace-init.sh NODE_NAME NODE_IP CLUSTER_NAME CLUSTER_IP
set -euo pipefail
node_name=$1 node_ip=$2 cluster_name=$3 cluster_ip=$4

mount -t tmpfs -o mode=1777 ganeti-test-scratch /dev/shm
scratch=/dev/shm/.namespace
mkdir -m 0700 "$scratch"

overlay() {
  local dir=$1 name=${1//\//_}
  mkdir "$scratch/upper$name" "$scratch/work$name"
  mount -t overlay "ganeti-test$name" -o "lowerdir=$dir,upperdir=$scratch/upper$name,workdir=$scratch/work$name" "$dir"
}
for dir in /tmp /etc /root /srv /run /var/log; do overlay "$dir"; done
mkdir -p /var/lib/ganeti
mount -t tmpfs -o mode=0755 ganeti-test-lib /var/lib/ganeti

hostname "$node_name"
cat > /etc/hosts <<HOSTS
127.0.0.1 localhost
$node_ip $node_name ${node_name%%.*}
$cluster_ip $cluster_name ${cluster_name%%.*}
HOSTS
# Names resolve from /etc/hosts only: the namespace has no way out anyway.
sed -i 's/^hosts:.*/hosts: files/' /etc/nsswitch.conf

ip link set lo up
ip link add veth-node type veth peer name veth-peer
ip addr add "$node_ip/24" dev veth-node
ip link set veth-node up
ip link set veth-peer up
# The bridge of the cluster's default NIC: the README's gnt-instance add gives its instance one.
# Ganeti looks for it in /sys/class/net, so this network namespace gets a sysfs of its own.
ip link add br0 type bridge
ip link set br0 up
mount -t sysfs ganeti-test-sysfs /sys

# gnt-cluster init replaces root's key and ssh's to this very node.
rm -rf /root/.ssh
mkdir -m 0700 /root/.ssh
mkdir -p /run/sshd /run/ganeti /var/log/ganeti/os /srv/ganeti/file-storage /srv/ganeti/shared-file-storage
printf '/srv/ganeti/file-storage\n/srv/ganeti/shared-file-storage\n' > /etc/ganeti/file-storage-paths
ssh-keygen -A >/dev/null
/usr/sbin/sshd

echo ready
# Wait for the test to close stdin. bash, as PID 1, reaps the daemons that
# are reparented to it.
while read -r _; do :; done
