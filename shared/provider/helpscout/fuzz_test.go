package helpscout_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"

	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/helpscout"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

type seed struct {
	event string
	body  []byte
}

func seeds(f *testing.F) []seed {
	var out []seed
	for _, fx := range providertest.Fixtures(f) {
		out = append(out, seed{eventOf(fx.Path), fx.Body})
	}
	return out
}

// FuzzParse: any event name and body give events, an ignore or a
// ParseError, never a panic, and every event returned is valid.
func FuzzParse(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s.event, s.body)
	}
	f.Add("convo.status", []byte(`{"id":1,"status":"closed","_embedded":{"threads":[{"status":"closed","createdAt":"x"}]}}`))
	f.Add("convo.tags", []byte(`{"id":"1","userUpdatedAt":"2026-11-23T09:00:00Z","tags":[{"tag":""},{"name":"a"}]}`))
	f.Add("", []byte(`{}`))
	f.Fuzz(func(t *testing.T, eventName string, body []byte) {
		h := http.Header{}
		h.Set("X-HelpScout-Event", eventName)
		res, err := helpscout.Adapter{}.Parse(provider.Request{Header: h, Body: body}, provider.Settings{Source: "helpscout", AckAuthor: "44599"})
		if err != nil {
			var pe *provider.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %T %v", err, err)
			}
			return
		}
		for _, e := range res.Events {
			if verr := e.Validate(); verr != nil {
				t.Fatalf("returned invalid event %+v: %v", e, verr)
			}
			if _, merr := e.OccurredAt.MarshalJSON(); merr != nil {
				t.Fatalf("occurred_at cannot be stored: %v", merr)
			}
		}
	})
}

// FuzzVerify: a signature is accepted exactly when it is the base64
// HMAC-SHA1 of the body under the secret, computed here without the
// package's code.
func FuzzVerify(f *testing.F) {
	secret := []byte("test-secret")
	for _, s := range seeds(f) {
		f.Add(s.body, helpscout.Sign(secret, s.body))
		f.Add(s.body, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
		f.Add(s.body, "")
	}
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		h := http.Header{}
		h.Set("X-HelpScout-Signature", sig)
		err := helpscout.Adapter{}.Verify(provider.Request{Header: h, Body: body}, provider.Settings{Secret: secret})
		m := hmac.New(sha1.New, secret)
		m.Write(body)
		want := m.Sum(nil)
		// Base64 has one canonical spelling per MAC, but a decoder may
		// accept non-zero padding bits; compare decoded bytes.
		got, derr := base64.StdEncoding.DecodeString(sig)
		correct := derr == nil && hmac.Equal(got, want)
		if (err == nil) != correct {
			t.Fatalf("Verify(sig %q) = %v; correct MAC %v", sig, err, correct)
		}
		var auth *provider.AuthError
		if err != nil && !errors.As(err, &auth) {
			t.Fatalf("error is not an AuthError: %v", err)
		}
	})
}
