package policy

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Version identifies the configuration by what it says: a hash of its
// canonical form, in which comments, blank lines, indentation, quoting,
// anchors and the order of a mapping's keys do not count (the order of a
// list does: policies match in order). Two files that parse to the same
// configuration have one version; a ticket records the version its
// deadlines came from (sla.Ticket.ConfigVersion). Empty for a Config not
// made by Parse.
func (c *Config) Version() string {
	if c == nil {
		return ""
	}
	return c.version
}

// canonicalVersion hashes the YAML document under root.
func canonicalVersion(root *yaml.Node) string {
	h := sha256.New()
	canonical(h, root, 0)
	return "c" + hex.EncodeToString(h.Sum(nil)[:8])
}

// canonical writes n to h unambiguously: a kind byte, then for a scalar
// its length and value, for a list its length and items in order, for a
// mapping its length and entries sorted by their canonical key. Aliases
// are written as the node they point to.
func canonical(h hash.Hash, n *yaml.Node, depth int) {
	if depth > 64 { // an alias cycle; Parse has refused anything this deep
		return
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		canonical(h, n.Alias, depth+1)
		return
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		canonical(h, n.Content[0], depth)
		return
	}
	writeLen := func(v int) { h.Write(binary.BigEndian.AppendUint64(nil, uint64(v))) }
	switch n.Kind {
	case yaml.MappingNode:
		type entry struct{ key, val []byte }
		entries := make([]entry, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			entries = append(entries, entry{sub(n.Content[i], depth), sub(n.Content[i+1], depth)})
		}
		slices.SortFunc(entries, func(a, b entry) int { return slices.Compare(a.key, b.key) })
		h.Write([]byte{'m'})
		writeLen(len(entries))
		for _, e := range entries {
			h.Write(e.key)
			h.Write(e.val)
		}
	case yaml.SequenceNode:
		h.Write([]byte{'s'})
		writeLen(len(n.Content))
		for _, c := range n.Content {
			canonical(h, c, depth+1)
		}
	default:
		// A null is not the string "null" or "": the tag tells them apart.
		if n.Tag == "!!null" {
			h.Write([]byte{'n'})
			return
		}
		h.Write([]byte{'v'})
		writeLen(len(n.Value))
		h.Write([]byte(n.Value))
	}
}

// sub returns the canonical form of n, to sort a mapping's entries by.
func sub(n *yaml.Node, depth int) []byte {
	h := sha256.New()
	canonical(h, n, depth+1)
	return h.Sum(nil)
}
