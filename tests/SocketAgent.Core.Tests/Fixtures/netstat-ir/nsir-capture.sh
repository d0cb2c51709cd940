#!/bin/bash
# usage: nsir-capture.sh NS OUTDIR -- captures ip JSON + netstat outputs while the link counters stand still
NS=$1; OUT=$2; mkdir -p $OUT
x() { ip netns exec $NS "$@"; }
for try in $(seq 1 20); do
  x ip -j -s -s link show > $OUT/ip-link.json
  x cat /proc/net/dev > $OUT/proc-net-dev.txt
  x netstat -i > $OUT/netstat-i.txt
  x netstat -ia > $OUT/netstat-ia.txt
  x ip -j -s -s link show > $OUT/ip-link-after.json
  cmp -s $OUT/ip-link.json $OUT/ip-link-after.json && break
  sleep 1
done
rm $OUT/ip-link-after.json
x ip -j addr show > $OUT/ip-addr.json
x ip -4 -j -d route show table all > $OUT/ip-route4.json
x ip -j -d -6 route show table all > $OUT/ip-route6.json
x cat /proc/net/route > $OUT/proc-net-route.txt
x cat /proc/net/ipv6_route > $OUT/proc-net-ipv6_route.txt
for f in -rn -rne -rnee -rneee -rn6; do
  case $f in -rn6) x netstat -rn -6 > $OUT/netstat$f.txt;; *) x netstat $f > $OUT/netstat$f.txt;; esac
done
if [ "$3" = names ]; then x netstat -r > $OUT/netstat-r.txt; x netstat -ree > $OUT/netstat-ree.txt; fi
