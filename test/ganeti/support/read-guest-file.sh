#!/bin/sh
# Prints one file of a deployed guest's root filesystem (ext2/3/4), read with
# debugfs from a copy of the partition: the guest filesystem is never mounted.
# The root partition is the largest Linux one. Usage: read-guest-file.sh DISK PATH
set -eu
disk=$1 path=$2
part=$(sfdisk --json "$disk" | python3 -c '
import json, sys
table = json.load(sys.stdin)["partitiontable"]
linux = [p for p in table["partitions"] if p.get("type") in ("83", "0FC63DAF-8483-4772-8E79-3D69D8477DE4")]
best = max(linux, key=lambda p: p["size"])
print(best["start"], best["size"])')
set -- $part
copy=$(mktemp)
trap 'rm -f "$copy"' EXIT
# Whole megabytes, and holes kept as holes: the partition may be gigabytes, mostly empty.
dd if="$disk" of="$copy" bs=4M iflag=skip_bytes,count_bytes skip=$(($1 * 512)) count=$(($2 * 512)) conv=sparse status=none
debugfs -R "cat $path" "$copy" 2>/dev/null
