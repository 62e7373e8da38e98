package provider_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/slawatch/slawatch/shared/provider"
)

// TestDecodeJSONRefusesDuplicateKeys: encoding/json keeps the last of two
// equal keys, so a value injected after the real one would win; DecodeJSON
// refuses the body and names the key. Keys match struct fields in any
// letter case, so two keys naming the same field in different case are
// duplicates too; in a map they are two keys, neither overriding the other.
func TestDecodeJSONRefusesDuplicateKeys(t *testing.T) {
	many := func(n int, last string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, `"k%d":1,`, i)
		}
		return b.String() + last + "}"
	}
	type fields struct {
		Event  string `json:"event"`
		Kelvin int    `json:"kelvin"`
		K3     int    `json:"k3"`
		AUml   int    `json:"ä"`
		Nested struct {
			ID string `json:"id"`
		} `json:"detail"`
	}
	anyValue := func() any { var v any; return &v }
	structValue := func() any { return &fields{} }
	tests := []struct {
		body, field string
		into        func() any
	}{
		{`{"a":1,"a":2}`, "a", anyValue},
		{`{"ticket_id":1,"ticket\u005fid":2}`, "ticket_id", anyValue},
		{`{"a":{"b":[1,{"c":1,"c":2}]}}`, "a.b[1].c", anyValue},
		{`[{},{"s":"}{\"","s":1}]`, "[1].s", anyValue},
		{`{"p":{"q":[[],[{"x":1},{"x":1,"x":2}]]}}`, "p.q[1][1].x", anyValue},
		{`{"1":{"x":1,"x":2}}`, "1.x", anyValue}, // a member named with digits, not an index
		{`{"0":{"y":[]},"1":[{"x":1},{"x":1,"x":2}]}`, "1[1].x", anyValue},
		{many(40, `"k3":2`), "k3", anyValue},
		// Keys naming one field in different letter case (strings.EqualFold,
		// as encoding/json matched them).
		{`{"event":"x","EVENT":"y"}`, "EVENT", structValue},
		{`{"kelvin":1,"` + "\u212a" + `elvin":2}`, "\u212aelvin", structValue}, // the Kelvin sign folds onto k
		{many(40, `"K3":2`), "K3", structValue},
		{`{"a\"":1,"a":2,"ä":3,"Ä":4}`, "Ä", structValue},
		{`{"detail":{"id":"1","Id":"2"}}`, "detail.Id", structValue},
		{`{"event":"x","detail":{"id":"1"},"EVENT":"y"}`, "EVENT", structValue},
		// Not duplicates: the same key in different objects, strings that
		// look like keys, keys that differ, keys differing in case that name
		// no field (ignored) or are a map's (both kept).
		{`{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":"a"}`, "", anyValue},
		{`[{}, "a", "a", {"a":"a"}]`, "", anyValue},
		{many(40, `"other":2`), "", anyValue},
		{`{"a":1,"A":2,"ä":3,"Ä":4}`, "", anyValue},
		{`{"event":"x","other":1,"OTHER":2,"even_t":"y"}`, "", structValue},
	}
	for _, tt := range tests {
		err := provider.DecodeJSON([]byte(tt.body), tt.into(), false)
		var pe *provider.ParseError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%.60s: %v, want no error", tt.body, err)
		case tt.field != "" && (!errors.As(err, &pe) || pe.Field != tt.field || !strings.Contains(err.Error(), "duplicate")):
			t.Errorf("%.60s: %v, want a duplicate-key error at %q", tt.body, err, tt.field)
		}
	}
	// Case variants in a map are distinct keys: each keeps its own value.
	var m map[string]int
	if err := provider.DecodeJSON([]byte(`{"a":1,"A":2}`), &m, false); err != nil || m["a"] != 1 || m["A"] != 2 {
		t.Errorf("map: %v %v, want a=1 A=2", m, err)
	}
	// A case variant naming no field leaves the field's value alone.
	var f fields
	if err := provider.DecodeJSON([]byte(`{"event":"x","even_t":"y","eventt":"z"}`), &f, false); err != nil || f.Event != "x" {
		t.Errorf("event %q %v, want x", f.Event, err)
	}
}

// FuzzDuplicateKeys checks DecodeJSON's duplicate-key refusals, decoding
// into a map, against a reference built on encoding/json's own tokenizer.
func FuzzDuplicateKeys(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `[{"a":[{"b":1,"B":2}]}]`, `{"s":"\"a\":1","a":{}}`, `{"\u00e4":1,"\u00c4":2}`, `[]`, `"x"`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		want := referenceDuplicate(t, data)
		var v any
		err := provider.DecodeJSON(data, &v, false)
		var pe *provider.ParseError
		got := ""
		if errors.As(err, &pe) && strings.Contains(pe.Error(), "duplicate key") {
			got = pe.Field
		}
		if got != want {
			t.Fatalf("%q: duplicate at %q, reference says %q (err %v)", data, got, want, err)
		}
	})
}

// referenceDuplicate finds the first duplicate key with json.Decoder.Token:
// keys equal after unescaping (invalid UTF-8 read as U+FFFD).
func referenceDuplicate(t *testing.T, data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object  bool
		keys    []string
		key     string
		index   int
		wantKey bool
	}
	var stack []*frame
	path := func(last string) string {
		var b strings.Builder
		for _, f := range stack[:len(stack)-1] {
			if f.object {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		return b.String() + last
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			t.Fatalf("reference: %v", err)
		}
		if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].wantKey {
			if _, isClose := tok.(json.Delim); !isClose {
				top, key := stack[len(stack)-1], tok.(string)
				for _, k := range top.keys {
					if k == key {
						return path(key)
					}
				}
				top.keys, top.key, top.wantKey = append(top.keys, key), key, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

// TestSingleRefusesRepeatedHeaders: a header read for verification must
// come once, whichever order its values arrive in.
func TestSingleRefusesRepeatedHeaders(t *testing.T) {
	body := []byte(`{"x":1}`)
	sig := provider.Signature{Header: "X-Sig", Prefix: "sha256=", Hash: provider.SHA256, Encoding: provider.Hex}
	good, bad := sig.Sign([]byte("s"), body), sig.Sign([]byte("t"), body)
	for _, vs := range [][]string{{good, bad}, {bad, good}, {good, good}} {
		err := sig.Verify(http.Header{"X-Sig": vs}, []byte("s"), body)
		var auth *provider.AuthError
		if !errors.As(err, &auth) || auth.Reason != "bad_signature" {
			t.Errorf("%d values: Verify = %v, want bad_signature", len(vs), err)
		}
	}
	if err := sig.Verify(http.Header{"X-Sig": {good}}, []byte("s"), body); err != nil {
		t.Errorf("one value: %v", err)
	}
	if v, err := provider.Single(http.Header{}, "X-Sig"); v != "" || err != nil {
		t.Errorf("absent: %q %v", v, err)
	}
}

// TestUnixMillisBound: times past the year 9999 have no RFC 3339 form.
func TestUnixMillisBound(t *testing.T) {
	for v, ok := range map[string]bool{"253402300799999": true, "253402300800000": false, "9223372036854775807": false, "1": true, "0": false} {
		if _, err := provider.UnixMillis("t", json.Number(v)); (err == nil) != ok {
			t.Errorf("UnixMillis(%s) = %v, want ok %v", v, err, ok)
		}
	}
}
