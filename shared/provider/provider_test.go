package provider_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/provider"
)

// Known answers computed with openssl, independent of this code:
//
//	printf %s '{"a":1}' | openssl dgst -sha1 -hmac k -binary | base64
//	printf %s '{"a":1}' | openssl dgst -sha256 -hmac k
//	printf %s '123{"a":1}' | openssl dgst -sha256 -hmac k -binary | base64
func TestSignatureKnownAnswers(t *testing.T) {
	body := []byte(`{"a":1}`)
	tests := []struct {
		sig   provider.Signature
		parts [][]byte
		want  string
	}{
		{provider.Signature{Header: "X-S", Hash: provider.SHA1, Encoding: provider.Base64}, [][]byte{body}, "e0q2iYq4Ygd+nK9QSzmYLyvEFFM="},
		{provider.Signature{Header: "X-S", Prefix: "sha256=", Hash: provider.SHA256, Encoding: provider.Hex}, [][]byte{body}, "sha256=c3a92ff9e274cdcce27a58c15a78ec6dcbbdbd0038a87e7a11baef2028fd8bff"},
		{provider.Signature{Header: "X-S", Hash: provider.SHA256, Encoding: provider.Base64}, [][]byte{[]byte("123"), body}, "IC7l39ufFcDL2gVIdz59GK8R/I/cllOSsm8+4Xuw+gM="},
	}
	for _, tt := range tests {
		if got := tt.sig.Sign([]byte("k"), tt.parts...); got != tt.want {
			t.Errorf("Sign = %s, want %s", got, tt.want)
		}
		h := http.Header{}
		h.Set("x-s", tt.want) // header names are case-insensitive
		if err := tt.sig.Verify(h, []byte("k"), tt.parts...); err != nil {
			t.Errorf("Verify(%s) = %v", tt.want, err)
		}
	}
}

func TestSignatureRefusals(t *testing.T) {
	sig := provider.Signature{Header: "X-Hub-Signature", Prefix: "sha1=", Hash: provider.SHA1, Encoding: provider.Hex}
	body := []byte("body")
	good := sig.Sign([]byte("k"), body)
	tests := []struct {
		name, header string
		body         []byte
		reason       string
	}{
		{"missing", "", body, "missing_signature"},
		{"wrong prefix", "sha256=" + strings.TrimPrefix(good, "sha1="), body, "bad_signature"},
		{"truncated", good[:len(good)-1], body, "bad_signature"},
		{"not hex", "sha1=" + strings.Repeat("z", 40), body, "bad_signature"},
		{"tampered body", good, []byte("bodY"), "bad_signature"},
		{"other secret", sig.Sign([]byte("j"), body), body, "bad_signature"},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.header != "" {
			h.Set(sig.Header, tt.header)
		}
		err := sig.Verify(h, []byte("k"), tt.body)
		var auth *provider.AuthError
		if !errors.As(err, &auth) || auth.Reason != tt.reason {
			t.Errorf("%s: Verify = %v, want reason %s", tt.name, err, tt.reason)
			continue
		}
		if want := strings.TrimPrefix(good, "sha1="); strings.Contains(auth.Msg, want) {
			t.Errorf("%s: message echoes the expected signature", tt.name)
		}
	}
}

func TestCheckTimestamp(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	s := provider.Settings{Now: func() time.Time { return now }}
	tests := []struct {
		name   string
		ts     time.Time
		window time.Duration
		ok     bool
	}{
		{"now", now, 0, true},
		{"default window edge, past", now.Add(-5 * time.Minute), 0, true},
		{"just past the default window", now.Add(-5*time.Minute - time.Second), 0, false},
		{"future within window", now.Add(4 * time.Minute), 0, true},
		{"far future", now.Add(6 * time.Minute), 0, false},
		{"configured wider window", now.Add(-9 * time.Minute), 10 * time.Minute, true},
		{"configured narrower window", now.Add(-2 * time.Minute), time.Minute, false},
	}
	for _, tt := range tests {
		s.Window = tt.window
		err := provider.CheckTimestamp(tt.ts, s)
		var auth *provider.AuthError
		if tt.ok != (err == nil) || (err != nil && (!errors.As(err, &auth) || auth.Reason != "stale_timestamp")) {
			t.Errorf("%s: CheckTimestamp = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestEqualSecret(t *testing.T) {
	if !provider.EqualSecret("s3cret", []byte("s3cret")) {
		t.Error("equal secrets compare unequal")
	}
	for _, p := range []string{"", "s3cre", "s3cret ", "S3cret"} {
		if provider.EqualSecret(p, []byte("s3cret")) {
			t.Errorf("%q accepted", p)
		}
	}
}

func TestSynthID(t *testing.T) {
	a := provider.SynthID("ticket", "42", "reply")
	if a != provider.SynthID("ticket", "42", "reply") {
		t.Error("not stable")
	}
	// Length-prefixing keeps different splits of the same text apart.
	if provider.SynthID("ab", "c") == provider.SynthID("a", "bc") {
		t.Error("different parts collide")
	}
	if !strings.HasPrefix(a, "syn-") || len(a) != len("syn-")+32 {
		t.Errorf("SynthID = %q", a)
	}
}

func TestDecodeJSON(t *testing.T) {
	type doc struct {
		N    int `json:"n"`
		Deep struct {
			S string `json:"s"`
		} `json:"deep"`
	}
	tests := []struct {
		body   string
		strict bool
		field  string
		msg    string
	}{
		{`{"n":1,"deep":{"s":"x"}}`, true, "", ""},
		{`{"n":1,"extra":true}`, false, "", ""},
		{`{"n":1,"extra":true}`, true, "extra", "unknown field"},
		{`{"n":"one"}`, false, "n", "want int"},
		{`{"deep":{"s":5}}`, false, "deep.s", "want string"},
		{`{"n":1`, false, "", "malformed JSON"},
		{`{"n":1} {"n":2}`, false, "", "trailing data"},
		{``, false, "", "empty body"},
		{`[1]`, false, "(body)", "want provider_test.doc"},
	}
	for _, tt := range tests {
		var d doc
		err := provider.DecodeJSON([]byte(tt.body), &d, tt.strict)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.body, err)
			}
			continue
		}
		var pe *provider.ParseError
		if !errors.As(err, &pe) || pe.Field != tt.field || !strings.Contains(pe.Error(), tt.msg) {
			t.Errorf("%s: error %v (field %q), want field %q and %q", tt.body, err, fieldOf(pe), tt.field, tt.msg)
		}
	}
}

func fieldOf(pe *provider.ParseError) string {
	if pe == nil {
		return ""
	}
	return pe.Field
}

func TestIsAck(t *testing.T) {
	s := provider.Settings{AckAuthor: "999"}
	tests := []struct {
		author, body string
		want         bool
	}{
		{"999", "Thanks for writing", true},
		{"1", "We got your message. <!-- " + provider.AckMarker + " -->", true},
		{"1", "A human answer", false},
		// Agents' replies that quote the acknowledgement are real answers.
		{"1", "Fixed it for you.\n\nOn Mon, 23 Nov 2026 at 09:01, Support <help@example.com> wrote:\n> Thanks, we will reply by 11:00. " + provider.AckMarker, false},
		{"1", "Fixed it.\n> we will reply by 11:00 " + provider.AckMarker + "\nMore text", false},
		{"1", "<p>Fixed it.</p><blockquote><p>We will reply by 11:00 <!-- " + provider.AckMarker + " --></p></BLOCKQUOTE>", false},
		{"1", "<p>Fixed it.</p><blockquote>unterminated " + provider.AckMarker, false},
		{"1", "-----Original Message-----\n" + provider.AckMarker, false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := provider.IsAck(s, tt.author, tt.body); got != tt.want {
			t.Errorf("IsAck(%q, %q) = %v", tt.author, tt.body, got)
		}
	}
	if provider.IsAck(provider.Settings{}, "", "plain") {
		t.Error("empty AckAuthor matched an empty author id")
	}
}

func TestText(t *testing.T) {
	var v struct {
		ID provider.Text `json:"id"`
	}
	for body, want := range map[string]string{
		`{"id":"abc"}`: "abc", `{"id":" 42 "}`: "42", `{"id":42}`: "42", `{"id":-7}`: "-7", `{"id":null}`: "", `{}`: "",
	} {
		v.ID = ""
		if err := provider.DecodeJSON([]byte(body), &v, false); err != nil || string(v.ID) != want {
			t.Errorf("%s: %q, %v; want %q", body, v.ID, err, want)
		}
	}
	for _, body := range []string{`{"id":true}`, `{"id":{}}`, `{"id":[1]}`} {
		err := provider.DecodeJSON([]byte(body), &v, false)
		var pe *provider.ParseError
		if !errors.As(err, &pe) || pe.Field != "id" {
			t.Errorf("%s: error %v, want a ParseError naming id", body, err)
		}
	}
}
