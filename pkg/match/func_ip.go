package match

import (
	"net/netip"
	"strings"
)

// IP functions (spec §8.5). Their argument is the value's text, trimmed; zones (fe80::1%eth0)
// are accepted. Text that is not an address gives false (0), an absent argument Absent.

// ipArg parses the first argument; ok reports whether the argument had text at all.
func ipArg(v Value) (addr netip.Addr, valid, ok bool) {
	s, ok := toText(v)
	if !ok {
		return netip.Addr{}, false, false
	}
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	return a, err == nil, true
}

func ipPred(name string, pred func(netip.Addr) bool) *funcDef {
	return &funcDef{name: name, minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		a, valid, ok := ipArg(args[0])
		if !ok {
			return absentValue
		}
		return BoolV(valid && pred(a))
	}}
}

// ipInSubnet is isIpInSubnet (family 0), isIpv4InSubnet (4) and isIpv6InSubnet (6). An
// IPv4-mapped IPv6 address (::ffff:10.0.0.1) matches an IPv4 subnet in isIpInSubnet. An
// invalid CIDR gives false.
func ipInSubnet(name string, family int) *funcDef {
	return &funcDef{name: name, minArgs: 2, maxArgs: 2, fn: func(_ *evalEnv, args []Value) Value {
		a, valid, ok := ipArg(args[0])
		cidr, ok2 := toText(args[1])
		if !ok || !ok2 {
			return absentValue
		}
		if !valid {
			return BoolV(false)
		}
		p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
		if err != nil {
			return BoolV(false)
		}
		a = a.WithZone("")
		switch family {
		case 4:
			if !a.Is4() || !p.Addr().Is4() {
				return BoolV(false)
			}
		case 6:
			if !a.Is6() || !p.Addr().Is6() {
				return BoolV(false)
			}
		default:
			if p.Addr().Is4() {
				a = a.Unmap()
			}
		}
		return BoolV(p.Contains(a))
	}}
}

// reservedPrefixes are the IANA special-purpose ranges that are neither public nor private
// (RFC 6890 and successors): this-network, shared address space, loopback, link-local,
// protocol assignments, documentation, 6to4 relay, benchmarking, multicast, reserved,
// broadcast; for IPv6 unspecified, loopback, IPv4-mapped, NAT64, discard, IETF protocol
// assignments, documentation, 6to4, link-local, multicast.
var reservedPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "192.0.0.0/24",
		"192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
		"224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64",
		"2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20", "fe80::/10", "ff00::/8",
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// isReservedAddr reports whether a is in a special-purpose (non-private) range.
// IPv4-mapped IPv6 addresses are judged as their IPv4 address.
func isReservedAddr(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	for _, p := range reservedPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// isPrivateAddr is RFC 1918 for IPv4 (10/8, 172.16/12, 192.168/16) and unique local
// addresses fc00::/7 (RFC 4193) for IPv6; IPv4-mapped addresses are judged as IPv4.
func isPrivateAddr(a netip.Addr) bool { return a.Unmap().IsPrivate() }

var ipFuncs = []*funcDef{
	ipPred("isValidIp", func(netip.Addr) bool { return true }),
	ipPred("isValidIpV4", netip.Addr.Is4),
	ipPred("isValidIpV6", netip.Addr.Is6),
	ipInSubnet("isIpInSubnet", 0),
	ipInSubnet("isIpv4InSubnet", 4),
	ipInSubnet("isIpv6InSubnet", 6),
	ipPred("isPrivateIP", isPrivateAddr),
	ipPred("isReservedIP", isReservedAddr),
	// isPublicIP: a valid address that is neither private nor reserved.
	ipPred("isPublicIP", func(a netip.Addr) bool { return !isPrivateAddr(a) && !isReservedAddr(a) }),
	// ipv4ToNumber("10.0.0.1") = 167772161; Absent for anything but an IPv4 address.
	{name: "ipv4ToNumber", minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		a, valid, _ := ipArg(args[0])
		if !valid || !a.Is4() {
			return absentValue
		}
		b := a.As4()
		return Num(float64(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])))
	}},
}
