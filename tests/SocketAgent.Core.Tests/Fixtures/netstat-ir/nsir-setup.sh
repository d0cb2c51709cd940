#!/bin/bash
# usage: nsir-setup.sh NS  -- creates namespace NS with a fixed, quiet network config
set -e
NS=$1
x() { ip netns exec $NS "$@"; }
ip netns add $NS
x ip link set lo up
x ip link add veth0 type veth peer name veth1
x ip link add eth10 type veth peer name eth2
x ip link add br0 type bridge
x ip link add ifb0 type ifb
x ip link set veth0 up
x ip link set veth1 up
x ip link set eth10 up
x ip link set eth2 mtu 9000
x ip link set eth2 up
x ip link set br0 up promisc on
x ip link set eth10 allmulticast on arp off
x ip addr add 10.77.0.1/24 dev veth0
x ip addr add 10.77.2.5/24 dev veth0 label veth0:3
x ip addr add 10.77.0.2/24 dev veth1
x ip addr add 10.77.4.5/24 dev eth10
x ip addr add 10.77.5.5/24 dev br0
x ip addr add 10.77.3.5/24 dev ifb0 label ifb0:12
x ip addr add fd77::1/64 dev veth0 nodad
x ip route add default via 10.77.0.9 dev veth0
x ip route add 192.0.2.9/32 via 10.77.0.9 dev veth0
x ip route add 198.51.100.0/24 via 10.77.0.9 dev veth0 advmss 1400 window 65535 rtt 10ms metric 7
x ip route add 203.0.113.0/25 dev eth10 mtu 1300
x ip route add unreachable 203.0.113.128/25
x ip route add prohibit 198.18.0.0/16 metric 3
x ip route add blackhole 198.19.0.0/16
x ip route add 172.16.0.0/12 via 10.77.0.9 table 100
x ip route add 127.1.0.0/16 dev lo
x ip route add 10.77.9.0/24 nexthop via 10.77.0.9 dev veth0 nexthop via 10.77.4.1 dev eth10
x ip route add 10.77.0.0/24 dev veth1 metric 50
x ip -6 route add default via fd77::9 dev veth0 metric 1024
x ip route add 127.0.0.1/32 dev lo
x ip route add 127.0.0.0/8 dev lo metric 5
x ip route add 169.254.0.0/16 dev veth0 metric 1000
x ip route add 10.0.0.0/8 via 10.77.0.9 dev veth0
x ip route add 10.77.0.128/25 via 10.77.0.9 dev veth0
