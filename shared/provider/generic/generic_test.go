package generic_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/generic"
)

func TestSignMatchesHandComputedHMAC(t *testing.T) {
	// The published HMAC-SHA256 example for key "key" and this message
	// (Wikipedia, "HMAC"), independent of this code.
	got := generic.Sign([]byte("key"), []byte("The quick brown fox jumps over the lazy dog"))
	want := "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"x":1}`)
	good := generic.Sign([]byte("s"), body)
	tests := []struct {
		name, header, reason string
	}{
		{"valid", good, ""},
		{"valid upper-case hex", "sha256=" + upper(good[len("sha256="):]), ""},
		{"missing", "", "missing_signature"},
		{"no prefix", good[len("sha256="):], "bad_signature"},
		{"short", good[:len(good)-2], "bad_signature"},
		{"not hex", "sha256=" + string(make([]byte, 64)), "bad_signature"},
		{"other secret", generic.Sign([]byte("t"), body), "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set(generic.SignatureHeader, tt.header)
			}
			err := generic.Adapter{}.Verify(provider.Request{Header: h, Body: body}, provider.Settings{Secret: []byte("s")})
			var auth *provider.AuthError
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("Verify = %v, want nil", err)
			case tt.reason != "" && (!errors.As(err, &auth) || auth.Reason != tt.reason):
				t.Errorf("Verify = %v, want AuthError %s", err, tt.reason)
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestParse(t *testing.T) {
	body := `[{"ticket_id":"7","event_id":"a","kind":"customer_message","occurred_at":"2026-01-02T03:04:05+01:00","channel":"email","tags":["vip"]},
	          {"source":"help","ticket_id":"7","event_id":"b","kind":"agent_reply","occurred_at":"2026-01-02T04:00:00Z","author":"agent","public":true}]`
	res, err := generic.Adapter{}.Parse(provider.Request{Body: []byte(body)}, provider.Settings{Source: "help"})
	if err != nil {
		t.Fatal(err)
	}
	evs := res.Events
	if len(evs) != 2 {
		t.Fatalf("got %d events", len(evs))
	}
	first := evs[0]
	if first.Source != "help" || first.TicketID != "7" || first.ID != "a" || first.Kind != event.CustomerMessage ||
		!first.OccurredAt.Equal(time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)) || first.Channel != event.Email ||
		first.Author != event.Customer || len(first.Tags) != 1 {
		t.Errorf("first event = %+v", first)
	}
	if !evs[1].CountsAsResponse() {
		t.Errorf("second event should count as a response: %+v", evs[1])
	}
}

// FuzzParse: any body gives events or a ParseError, never a panic, and every
// event returned is valid.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"ticket_id":"1","event_id":"e","kind":"ticket_created","occurred_at":"2026-01-01T00:00:00Z"}`,
		`[{"ticket_id":"1","event_id":"e","kind":"agent_reply","occurred_at":"2026-01-01T00:00:00Z","author":"agent","public":true}]`,
		`[]`, `{}`, `[1]`, `{"tags":{}}`, "\xff", `{"occurred_at":"2026-13-45T99:00:00Z"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := generic.Adapter{}.Parse(provider.Request{Body: body}, provider.Settings{Source: "src"})
		evs := res.Events
		var pe *provider.ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("error is not a ParseError: %v", err)
		}
		for _, e := range evs {
			if verr := e.Validate(); verr != nil {
				t.Fatalf("returned invalid event: %v", verr)
			}
		}
	})
}

// FuzzVerify: only the exact HMAC of the body verifies.
func FuzzVerify(f *testing.F) {
	body := []byte(`{"ticket_id":"1","event_id":"e","kind":"ticket_created","occurred_at":"2026-01-01T00:00:00Z"}`)
	f.Add(body, generic.Sign([]byte("k"), body))
	f.Add(body, "sha256=00")
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, b []byte, header string) {
		h := http.Header{}
		h.Set(generic.SignatureHeader, header)
		err := generic.Adapter{}.Verify(provider.Request{Header: h, Body: b}, provider.Settings{Secret: []byte("k")})
		if err == nil && !strings.EqualFold(header, generic.Sign([]byte("k"), b)) {
			t.Fatalf("accepted %q for body %q", header, b)
		}
		var auth *provider.AuthError
		if err != nil && !errors.As(err, &auth) {
			t.Fatalf("error is not an AuthError: %v", err)
		}
	})
}

func TestParseCustomer(t *testing.T) {
	const base = `"ticket_id":"7","event_id":"a","kind":"ticket_created","occurred_at":"2026-01-02T03:04:05Z"`
	for _, tc := range []struct {
		name                 string
		fields               string
		org, company, domain string
		errField             string
	}{
		{"all three", `"organization":"361","company":"Acme Corp","domain":"acme.example"`, "361", "Acme Corp", "acme.example", ""},
		{"domain in upper case", `"domain":"Mail.ACME.example"`, "", "", "mail.acme.example", ""},
		{"none", ``, "", "", "", ""},
		{"an address as domain", `"domain":"ann@acme.example"`, "", "", "", "domain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := "{" + base
			if tc.fields != "" {
				body += "," + tc.fields
			}
			body += "}"
			res, err := generic.Adapter{}.Parse(provider.Request{Body: []byte(body)}, provider.Settings{Source: "help"})
			if tc.errField != "" {
				var pe *provider.ParseError
				if !errors.As(err, &pe) || pe.Field != tc.errField || strings.Contains(err.Error(), "ann@") {
					t.Fatalf("Parse = %v, want a ParseError on %s that does not quote the address", err, tc.errField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e := res.Events[0]
			if e.Organization != tc.org || e.Company != tc.company || e.Domain != tc.domain {
				t.Errorf("organization %q company %q domain %q, want %q %q %q", e.Organization, e.Company, e.Domain, tc.org, tc.company, tc.domain)
			}
		})
	}
}
