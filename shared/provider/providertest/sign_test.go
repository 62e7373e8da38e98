package providertest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/builtin"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// TestSignIsWhatAdaptersVerify signs a request for every built-in adapter:
// the adapter accepts it, and refuses it once the body changes.
func TestSignIsWhatAdaptersVerify(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	secret := []byte("0123456789abcdef")
	for name, a := range builtin.Adapters() {
		t.Run(name, func(t *testing.T) {
			body := []byte(`{"type":"inbound_received","payload":{"id":"evt_1"}}`)
			r := provider.Request{Method: http.MethodPost, URL: "https://slawatch.example.com/webhooks/" + name + "?stages=5:solved", Body: body}
			if err := providertest.Sign(name, secret, &r, now); err != nil {
				t.Fatal(err)
			}
			s := provider.Settings{Source: name, Secret: secret, Window: provider.DefaultWindow, Now: func() time.Time { return now }}
			if err := a.Verify(r, s); err != nil {
				t.Fatalf("signed request refused: %v", err)
			}
			if name == "freshdesk" {
				return // Freshdesk signs nothing: the secret is the password
			}
			r.Body = []byte(`{"type":"inbound_received","payload":{"id":"evt_2"}}`)
			if err := a.Verify(r, s); err == nil {
				t.Error("a changed body still verifies")
			}
		})
	}
	if err := providertest.Sign("gorgias", secret, &provider.Request{}, now); err == nil {
		t.Error("signing for an unknown provider: no error")
	}
}
