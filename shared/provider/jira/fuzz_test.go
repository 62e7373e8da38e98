package jira_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/jira"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

func seeds(f *testing.F) [][]byte { return providertest.Bodies(f) }

// FuzzVerify: Verify succeeds only when the header is "sha256=" followed by
// the hex of the body's HMAC-SHA256, and refusals are AuthErrors.
func FuzzVerify(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b, jira.Sign([]byte(secret), b))
		f.Add(b, "sha256=00")
	}
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		h := http.Header{}
		h.Set(jira.SignatureHeader, sig)
		err := jira.Adapter{}.Verify(provider.Request{Header: h, Body: body}, settings())
		if err != nil {
			var auth *provider.AuthError
			if !errors.As(err, &auth) {
				t.Fatalf("error is not an AuthError: %v", err)
			}
			return
		}
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		hexSig, ok := strings.CutPrefix(sig, "sha256=")
		got, derr := hex.DecodeString(hexSig)
		if !ok || derr != nil || !bytes.Equal(got, m.Sum(nil)) {
			t.Fatalf("accepted signature %q that is not the MAC of the body", sig)
		}
	})
}

// FuzzParse: any body, with or without a delivery id, gives events, an
// ignore reason or a ParseError; never a panic; every event is valid.
func FuzzParse(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b, "wh-1")
		f.Add(b, "")
	}
	f.Add([]byte(`{"webhookEvent":"jira:issue_updated","timestamp":"1","issue":{"key":"K"},"changelog":{"items":[{"field":"labels","toString":"  "}]}}`), "")
	f.Fuzz(func(t *testing.T, body []byte, id string) {
		h := http.Header{}
		h.Set(jira.IdentifierHeader, id)
		res, err := jira.Adapter{}.Parse(provider.Request{Header: h, Body: body}, settings())
		if err != nil {
			var pe *provider.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range res.Events {
			if verr := e.Validate(); verr != nil {
				t.Fatalf("invalid event %+v: %v", e, verr)
			}
			if seen[e.ID] {
				t.Fatalf("two events with id %q in one delivery", e.ID)
			}
			seen[e.ID] = true
		}
	})
}
