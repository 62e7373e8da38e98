package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// fixtures holds the adapters' test fixtures (shared/provider/<vendor>/testdata),
// decoded once; payloads are rendered from clones of them with ids, times
// and ticket attributes substituted, so they keep every field the vendor
// sends.
type fixtures struct {
	root string
	docs map[string]any // "<vendor>/<file>" → decoded JSON
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
			f.docs[v.name+"/"+name] = doc
		}
	}
	return f, nil
}

// get returns a deep copy of a fixture, to be modified.
func (f *fixtures) get(vendor, name string) any {
	doc, ok := f.docs[vendor+"/"+name]
	if !ok {
		panic("load: fixture " + vendor + "/" + name + " is not listed in its vendor's fixtures")
	}
	return clone(doc)
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
// and returns the container holding its last element and that element's
// key; with create, missing objects on the way are made.
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
				c[p] = next
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return nil, "", false
			}
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

// get returns the value at the dotted path, or nil.
func get(doc any, path string) any {
	parent, last, ok := walk(doc, path, false)
	if !ok {
		return nil
	}
	switch c := parent.(type) {
	case map[string]any:
		return c[last]
	case []any:
		if i, err := strconv.Atoi(last); err == nil && i >= 0 && i < len(c) {
			return c[i]
		}
	}
	return nil
}

// encode marshals doc compactly, as helpdesks send JSON.
func encode(doc any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		panic("load: encode payload: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
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
