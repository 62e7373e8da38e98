package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// fixtures holds the adapters' test fixtures (shared/provider/<vendor>/testdata),
// decoded once; payloads are rendered from copies of them with ids, times
// and ticket attributes substituted, so they keep every field the vendor
// sends.
type fixtures struct {
	root string
	docs map[string]any // "<vendor>/<file>" → decoded JSON
	// deep makes get and getAt copy a fixture whole, as they did before
	// copy-on-write (TestCopyOnWrite compares the two).
	deep bool
}

// frozen holds the identity of every container (object, non-empty array)
// of a loaded fixture. Payloads are rendered from shallow copies of the
// fixtures that share everything below their top level; walk copies a
// frozen container on the way to a change (own), so a renderer never
// changes a fixture, and a payload costs copies of what it changes, not
// of the whole fixture. The keys keep the fixtures' containers alive, so
// no other container ever has their address.
var frozen sync.Map // unsafe.Pointer → struct{}

// identity is a container's address; false for anything else.
func identity(v any) (unsafe.Pointer, bool) {
	switch x := v.(type) {
	case map[string]any:
		return reflect.ValueOf(x).UnsafePointer(), x != nil
	case []any:
		return unsafe.Pointer(unsafe.SliceData(x)), len(x) > 0
	}
	return nil, false
}

func freeze(v any) {
	if p, ok := identity(v); ok {
		frozen.Store(p, struct{}{})
	}
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			freeze(e)
		}
	case []any:
		for _, e := range x {
			freeze(e)
		}
	}
}

// own returns v, or a shallow copy of it if it is a fixture's container:
// a container the payload being rendered may change.
func own(v any) any {
	p, ok := identity(v)
	if !ok {
		return v
	}
	if _, shared := frozen.Load(p); !shared {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		return maps.Clone(x)
	case []any:
		return slices.Clone(x)
	}
	return v
}

// loadFixtures reads every fixture the renderers use from the module at root.
func loadFixtures(root string) (*fixtures, error) {
	f := &fixtures{root: root, docs: map[string]any{}}
	for _, v := range vendors {
		for _, name := range v.fixtures {
			path := filepath.Join(root, "shared", "provider", v.name, "testdata", name)
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("fixture: %w", err)
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber() // ids and times stay exactly as written
			var doc any
			if err := dec.Decode(&doc); err != nil {
				return nil, fmt.Errorf("fixture %s: %w", path, err)
			}
			freeze(doc)
			f.docs[v.name+"/"+name] = doc
		}
	}
	return f, nil
}

// get returns a copy of a fixture, to be modified with set and get (which
// copy what they change: own).
func (f *fixtures) get(vendor, name string) any {
	doc, ok := f.docs[vendor+"/"+name]
	if !ok {
		panic("load: fixture " + vendor + "/" + name + " is not listed in its vendor's fixtures")
	}
	if f.deep {
		return clone(doc)
	}
	return own(doc)
}

// getAt returns a deep copy of the value at the dotted path in a fixture:
// one thread of a conversation, one event of a batch, without copying the
// rest.
func (f *fixtures) getAt(vendor, name, path string) any {
	doc, ok := f.docs[vendor+"/"+name]
	if !ok {
		panic("load: fixture " + vendor + "/" + name + " is not listed in its vendor's fixtures")
	}
	v := peek(doc, path)
	if v == nil {
		panic("load: fixture " + vendor + "/" + name + " has nothing at " + path)
	}
	if f.deep {
		return clone(v)
	}
	return own(v)
}

// peek returns the value at the dotted path without copying anything on
// the way (get would: it hands out what may be changed); nil if none.
func peek(doc any, path string) any {
	cur := doc
	for p := range strings.SplitSeq(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// moduleRoot finds the directory holding slawatch's go.mod, from the
// working directory up.
func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/slawatch/slawatch\n")) {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", errors.New("load: run inside the slawatch repository (no go.mod of github.com/slawatch/slawatch found above the working directory)")
		}
		d = up
	}
}

func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = clone(e)
		}
		return s
	}
	return v
}

// walk follows a dotted path ("detail.via.channel", "items.0.toString")
// in a document of the caller's and returns the container holding its last
// element and that element's key; with create, missing objects on the way
// are made. Fixtures' containers on the way are replaced by copies (own),
// so the returned container is the caller's to change.
func walk(doc any, path string, create bool) (parent any, last string, ok bool) {
	parts := strings.Split(path, ".")
	cur := doc
	for _, p := range parts[:len(parts)-1] {
		switch c := cur.(type) {
		case map[string]any:
			next, found := c[p]
			if !found || next == nil {
				if !create {
					return nil, "", false
				}
				next = map[string]any{}
			}
			next = own(next)
			c[p] = next
			cur = next
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return nil, "", false
			}
			c[i] = own(c[i])
			cur = c[i]
		default:
			return nil, "", false
		}
	}
	return cur, parts[len(parts)-1], true
}

// set puts v at the dotted path, creating objects on the way.
func set(doc any, path string, v any) {
	parent, last, ok := walk(doc, path, true)
	if ok {
		switch c := parent.(type) {
		case map[string]any:
			c[last] = v
			return
		case []any:
			if i, err := strconv.Atoi(last); err == nil && i >= 0 && i < len(c) {
				c[i] = v
				return
			}
		}
	}
	panic(fmt.Sprintf("load: cannot set %s in the fixture", path))
}

// get returns the value at the dotted path, or nil; a container is the
// caller's to change (own), as set's are.
func get(doc any, path string) any {
	parent, last, ok := walk(doc, path, false)
	if !ok {
		return nil
	}
	switch c := parent.(type) {
	case map[string]any:
		v, found := c[last]
		if !found {
			return nil
		}
		v = own(v)
		c[last] = v
		return v
	case []any:
		if i, err := strconv.Atoi(last); err == nil && i >= 0 && i < len(c) {
			c[i] = own(c[i])
			return c[i]
		}
	}
	return nil
}

// encode marshals doc compactly, as helpdesks send JSON: what
// encoding/json's Encoder without HTML escaping writes (TestEncode), keys
// sorted, but without its reflection over every map and value — the load
// generator shares the cores with the server it measures.
func encode(doc any) []byte {
	return appendJSON(make([]byte, 0, 2048), doc)
}

func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case json.Number:
		if x == "" || (x[0] != '-' && (x[0] < '0' || x[0] > '9')) || !json.Valid([]byte(x)) {
			break // encoding/json's error, below
		}
		return append(b, x...)
	case bool:
		return strconv.AppendBool(b, x)
	case map[string]any:
		var buf [32]string // most objects' keys, without an allocation
		keys := buf[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendJSON(b, x[k])
		}
		return append(b, '}')
	case []any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	}
	// Anything else (numbers a renderer set as Go integers, typed slices)
	// as encoding/json writes it.
	return appendStd(b, v)
}

// appendStd appends v as encoding/json's Encoder writes it without HTML
// escaping.
func appendStd(b []byte, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("load: encode payload: " + err.Error())
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// appendString quotes s; a string that needs escaping beyond '"' and '\\'
// (control characters, non-ASCII: U+2028, invalid UTF-8) is left to
// encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 {
			return appendStd(b, s)
		}
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// num is a JSON number as written.
func num(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

// strs converts to a JSON array of strings.
func strs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
