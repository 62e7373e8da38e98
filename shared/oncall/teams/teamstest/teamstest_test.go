package teamstest

import (
	"net/http"
	"strings"
	"testing"
)

const good = `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,
"content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4",
"body":[{"type":"TextBlock","text":"hello"}]}}]}`

// The emulator refuses what Workflows would not post, so a sender that
// breaks the contract fails its tests.
func TestContract(t *testing.T) {
	s := NewServer()
	defer s.Close()
	swap := func(old, new string) string { return strings.Replace(good, old, new, 1) }
	tests := []struct {
		name, method, url, ctype, body string
		want                           int
	}{
		{"good card", "POST", s.URL, "application/json", good, 202},
		{"charset is fine", "POST", s.URL, "application/json; charset=utf-8", good, 202},
		{"GET", "GET", s.URL, "", "", 405},
		{"no signature", "POST", strings.Split(s.URL, "&sig=")[0], "application/json", good, 401},
		{"wrong signature", "POST", strings.Replace(s.URL, Sig, "x"+Sig[1:], 1), "application/json", good, 401},
		{"other workflow", "POST", strings.Replace(s.URL, "/workflows/", "/workflows/1", 1), "application/json", good, 404},
		{"not JSON", "POST", s.URL, "text/plain", good, 400},
		{"MessageCard", "POST", s.URL, "application/json", `{"@type":"MessageCard","text":"hi"}`, 400},
		{"type", "POST", s.URL, "application/json", swap(`"type":"message"`, `"type":"messages"`), 400},
		{"contentType", "POST", s.URL, "application/json", swap("card.adaptive", "card.hero"), 400},
		{"contentUrl", "POST", s.URL, "application/json", swap(`"contentUrl":null`, `"contentUrl":"https://x"`), 400},
		{"card type", "POST", s.URL, "application/json", swap(`"AdaptiveCard"`, `"Card"`), 400},
		{"version", "POST", s.URL, "application/json", swap(`"version":"1.4",`, ``), 400},
		{"empty body", "POST", s.URL, "application/json", swap(`[{"type":"TextBlock","text":"hello"}]`, `[]`), 400},
		{"two cards", "POST", s.URL, "application/json", strings.TrimSuffix(good, "]}") + `,{"contentType":"x"}]}`, 400},
		{"over 28 KB", "POST", s.URL, "application/json", swap("hello", strings.Repeat("h", MaxBytes)), 413},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
	if n := len(s.Cards()); n != 2 {
		t.Errorf("%d cards kept, want the 2 good ones", n)
	}
	if n := len(s.Refusals()); n != len(tests)-2 {
		t.Errorf("%d refusals recorded, want %d: %v", n, len(tests)-2, s.Refusals())
	}
}

func TestScript(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.Fail(1, http.StatusTooManyRequests, "7")
	post := func() *http.Response {
		req, _ := http.NewRequest("POST", s.URL, strings.NewReader(good))
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post(); r.StatusCode != 429 || r.Header.Get("Retry-After") != "7" {
		t.Errorf("scripted 429: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if r := post(); r.StatusCode != 202 || len(s.Cards()) != 1 {
		t.Errorf("after the script: %d, %d cards", r.StatusCode, len(s.Cards()))
	}
}
