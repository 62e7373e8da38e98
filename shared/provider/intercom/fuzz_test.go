package intercom_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/intercom"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

func seeds(f *testing.F) [][]byte { return providertest.Bodies(f) }

// FuzzParse: any body gives events, an ignore, a reply or a ParseError,
// never a panic, and every event returned is valid.
func FuzzParse(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
	for _, s := range []string{`{}`, `null`, `[]`, `{"topic":"ping"}`, `{"topic":"ticket.state.updated","id":"n","data":{"item":{"id":1,"ticket_state":{}}}}`,
		`{"topic":"conversation.admin.replied","id":"n","created_at":"1","data":{"item":{"id":"1","conversation_parts":{"conversation_parts":[{"part_type":"comment","author":{"type":"admin"},"created_at":"x"}]}}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := intercom.Adapter{}.Parse(provider.Request{Header: http.Header{}, Body: body}, provider.Settings{Source: "intercom", AckAuthor: "7340099"})
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

// FuzzVerify: a signature is accepted exactly when it is the HMAC-SHA1 of
// the body under the secret (hex, either case), computed here without the
// package's code.
func FuzzVerify(f *testing.F) {
	secret := []byte("test-secret")
	for _, b := range seeds(f) {
		f.Add(b, intercom.Sign(secret, b))
		f.Add(b, "sha1=0000000000000000000000000000000000000000")
		f.Add(b, "")
	}
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		h := http.Header{}
		h.Set("X-Hub-Signature", sig)
		err := intercom.Adapter{}.Verify(provider.Request{Header: h, Body: body}, provider.Settings{Secret: secret})
		m := hmac.New(sha1.New, secret)
		m.Write(body)
		want := "sha1=" + hex.EncodeToString(m.Sum(nil))
		// Hex digits may be either case; the prefix may not.
		correct := strings.EqualFold(sig, want) && strings.HasPrefix(sig, "sha1=")
		if (err == nil) != correct {
			t.Fatalf("Verify(sig %q) = %v; correct MAC %v", sig, err, correct)
		}
		var auth *provider.AuthError
		if err != nil && !errors.As(err, &auth) {
			t.Fatalf("error is not an AuthError: %v", err)
		}
	})
}
