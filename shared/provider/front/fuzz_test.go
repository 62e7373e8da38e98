package front_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/front"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

func seeds(f *testing.F) [][]byte { return providertest.Bodies(f) }

// FuzzVerify: whatever the body, signature and timestamp, Verify succeeds
// only when the signature decodes to the right MAC for the scheme the
// headers select, and refusals are AuthErrors.
func FuzzVerify(f *testing.F) {
	key := []byte("fuzz-secret")
	for _, b := range seeds(f) {
		f.Add(b, front.SignRule(key, b), "", false)
		f.Add(b, front.SignApp(key, appTS, b), appTS, true)
		f.Add(b, front.SignRule(key, b), appTS, true) // a rule signature with a timestamp
		f.Add(b, "AAAA", "", false)
	}
	f.Fuzz(func(t *testing.T, body []byte, sig, ts string, app bool) {
		h := http.Header{}
		h.Set(front.SignatureHeader, sig)
		if app {
			h[front.TimestampHeader] = []string{ts}
		}
		err := front.Adapter{}.Verify(provider.Request{Header: h, Body: body}, settings(string(key)))
		if err != nil {
			var auth *provider.AuthError
			if !errors.As(err, &auth) {
				t.Fatalf("error is not an AuthError: %v", err)
			}
			return
		}
		// Computed here, not with the package's helpers.
		var mac []byte
		if app {
			m := hmac.New(sha256.New, key)
			m.Write([]byte(ts + ":"))
			m.Write(body)
			mac = m.Sum(nil)
			ms, perr := strconv.ParseInt(ts, 10, 64)
			if perr != nil || now.Sub(time.UnixMilli(ms)).Abs() > 5*time.Minute {
				t.Fatalf("accepted timestamp %q outside the window", ts)
			}
		} else {
			m := hmac.New(sha1.New, key)
			m.Write(body)
			mac = m.Sum(nil)
		}
		got, derr := base64.StdEncoding.DecodeString(sig)
		if derr != nil || !bytes.Equal(got, mac) {
			t.Fatalf("accepted signature %q that is not the MAC of the body", sig)
		}
	})
}

// FuzzParse: any body, as a rule or an application webhook, gives events, an
// ignore reason, a reply or a ParseError; never a panic; every event is
// valid.
func FuzzParse(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b, false, false)
		f.Add(b, true, false)
	}
	f.Add([]byte(`{"type":"sync"}`), true, true)
	f.Add([]byte(`{"type":"tag","id":"e","emitted_at":1,"conversation":{"id":"c","tags":[]},"target":{"data":[]}}`), false, false)
	f.Fuzz(func(t *testing.T, body []byte, app, challenge bool) {
		h := http.Header{}
		if app {
			h.Set(front.TimestampHeader, appTS)
		}
		if challenge {
			h.Set(front.ChallengeHeader, "ch")
		}
		res, err := front.Adapter{}.Parse(provider.Request{Header: h, Body: body}, settings(""))
		if err != nil {
			var pe *provider.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			if len(res.Events) != 0 || res.Reply != nil {
				t.Fatalf("error with a result: %+v", res)
			}
			return
		}
		if res.Reply != nil && !strings.Contains(string(res.Reply.Body), "ch") {
			t.Fatalf("reply does not carry the challenge: %s", res.Reply.Body)
		}
		for _, e := range res.Events {
			if verr := e.Validate(); verr != nil {
				t.Fatalf("invalid event %+v: %v", e, verr)
			}
			if e.Source != "front" {
				t.Fatalf("source %q", e.Source)
			}
		}
	})
}
