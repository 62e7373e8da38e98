package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// reference is encode as it was: encoding/json's Encoder without HTML
// escaping, the trailing newline trimmed.
func reference(t *testing.T, doc any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// TestEncode: encode writes exactly what encoding/json writes, for every
// fixture, for values that need escaping or fall back to encoding/json,
// and for every payload of generated conversations of every helpdesk (read
// back as the fixtures are, and written again by encoding/json).
func TestEncode(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	fx, err := loadFixtures(root)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]any{
		"odd": map[string]any{
			"quote": `say "hi" \ bye`, "control": "a\tb\nc\x01", "html": "<a href=\"x\">&</a>", "utf8": "Grüße – 你好",
			"separators": "a\u2028b\u2029c", "invalid": "a\xffb", "empty": "", "nil": nil, "t": true, "f": false,
			"num": json.Number("-1.5e3"), "int": 42, "int64": int64(-7), "float": 2.5, "strs": []string{"x", "y"},
			"nilSlice": []any(nil), "emptySlice": []any{}, "emptyMap": map[string]any{}, "nested": []any{map[string]any{"b": 1, "a": []any{nil}}},
			"key \"quoted\"": 1, "ключ": 2,
		},
	}
	for name, doc := range fx.docs {
		docs[name] = doc
	}
	for name, doc := range docs {
		if got, want := encode(doc), reference(t, doc); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}

	g := newGenerator(fx)
	r := rand.New(rand.NewPCG(5, 5))
	payloads := 0
	for _, v := range vendors {
		for range 20 {
			tk, err := g.ticket(r, v, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range tk.deliveries {
				dec := json.NewDecoder(bytes.NewReader(d.body))
				dec.UseNumber()
				var doc any
				if err := dec.Decode(&doc); err != nil {
					t.Fatalf("%s: %v", v.name, err)
				}
				if want := reference(t, doc); !bytes.Equal(d.body, want) {
					t.Errorf("%s payload:\n got %s\nwant %s", v.name, d.body, want)
				}
				payloads++
			}
		}
	}
	if payloads < 9*20 {
		t.Errorf("only %d payloads compared", payloads)
	}
}
