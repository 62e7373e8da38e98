// Package writeback posts slawatch's acknowledgements back into helpdesk
// tickets as public replies, through the helpdesk's REST API, so that the
// customer sees them in the ticket and agents see what was promised.
//
// Write-back is configured per source (api_url, api_token_env and
// ack_author in the configuration) and exists for Zendesk and Freshdesk.
// A Replier makes exactly one request per Reply: it neither retries nor
// logs. The caller retries through its lease when Retryable says the
// failure was transient (HTTP 429 or 5xx), and bounds each call with the
// http.Client's timeout or the context's deadline.
package writeback

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slawatch/slawatch/shared/policy"
)

// Replier posts a public reply into a helpdesk ticket.
type Replier interface {
	Reply(ctx context.Context, ticketID, body string) error
}

// New returns the Replier for src, or nil, nil when the source has no
// api_url (write-back off). It returns an error when api_url is set but the
// provider has no write-back (only "zendesk" and "freshdesk" do), when the
// environment variable named by api_token_env is empty or malformed, or
// when ack_author is missing or not a numeric user id: the author is how
// the reply's echo is told from the team's response, since the reply shows
// the customer no marker. getenv is os.Getenv in production.
func New(src policy.Source, client *http.Client, getenv func(string) string) (Replier, error) {
	if src.APIURL == "" {
		return nil, nil
	}
	fail := func(format string, args ...any) (Replier, error) {
		return nil, fmt.Errorf("writeback: source %s: "+format, append([]any{src.Name}, args...)...)
	}
	if src.Provider != "zendesk" && src.Provider != "freshdesk" {
		return fail("provider %q has no acknowledgement write-back (only zendesk and freshdesk): remove api_url", src.Provider)
	}
	if client == nil || getenv == nil {
		return fail("nil http client or getenv")
	}
	base, err := baseURL(src.APIURL)
	if err != nil {
		return fail("api_url: %v", err)
	}
	if src.APITokenEnv == "" {
		return fail("api_url is set but api_token_env is not")
	}
	cred := strings.TrimSpace(getenv(src.APITokenEnv))
	if cred == "" {
		return fail("environment variable %s (api_token_env) is empty: it must hold the %s API credential", src.APITokenEnv, src.Provider)
	}
	if src.AckAuthor == "" {
		return fail("api_url is set but ack_author is not: the reply must be posted as the %s user slawatch's webhooks recognise as its own", src.Provider)
	}
	author, err := strconv.ParseInt(src.AckAuthor, 10, 64)
	if err != nil || author <= 0 {
		return fail("ack_author %q is not a numeric %s user id", src.AckAuthor, src.Provider)
	}
	switch src.Provider {
	case "zendesk":
		user, pass, ok := strings.Cut(cred, ":")
		if !ok || user == "" || pass == "" {
			// The value is not quoted: it is a secret, however malformed.
			return fail("environment variable %s must hold {email}/token:{api_token}, e.g. agent@example.com/token:… (no colon found, or an empty side)", src.APITokenEnv)
		}
		return &zendesk{api: newAPI(client, base, user, pass, pass), author: author}, nil
	default: // freshdesk
		return &freshdesk{api: newAPI(client, base, cred, "X", cred), author: author}, nil
	}
}

// baseURL checks a source's api_url as the configuration does (the Source
// may be built by hand) and returns it without a trailing slash.
func baseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		return "", errors.New("not an absolute URL")
	case u.User != nil:
		return "", errors.New("must not contain a user or password")
	case u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())):
		return "", errors.New("want https (http only for loopback hosts)")
	case u.RawQuery != "" || u.Fragment != "":
		return "", errors.New("want a base URL without query or fragment")
	}
	return strings.TrimRight(raw, "/"), nil
}

func isLoopback(host string) bool {
	return host == "127.0.0.1" || host == "::1" || strings.EqualFold(host, "localhost")
}

// StatusError is a helpdesk API's answer outside 2xx.
type StatusError struct {
	StatusCode int
	// Body is the start of the response body (at most 200 bytes, on one
	// line), with the credential removed should the helpdesk echo it.
	Body string
	// RetryAfter is the wait the helpdesk asked for (Retry-After, in
	// seconds) with a 429 or 503; 0 if it named none.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	msg := "HTTP " + strconv.Itoa(e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		msg += " " + text
	}
	if e.RetryAfter > 0 {
		msg += " (retry after " + e.RetryAfter.String() + ")"
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Retryable reports whether err is a helpdesk answer that may succeed
// later: 429 Too Many Requests or a 5xx. Everything else — 4xx answers, a
// ticket id that is not numeric, transport errors and context cancellation —
// is reported as not retryable; a transport error may come after the reply
// was posted, so retrying it risks a second acknowledgement.
func Retryable(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && (se.StatusCode == http.StatusTooManyRequests || se.StatusCode >= 500 && se.StatusCode <= 599)
}

// maxErrorBody bounds the response body quoted in a StatusError.
const maxErrorBody = 200

// api is what the providers share: one authenticated JSON request.
type api struct {
	client     *http.Client
	base       string   // api_url without a trailing slash
	user, pass string   // HTTP Basic credentials
	secrets    []string // never to appear in an error
	longest    int      // length of the longest secret
}

// newAPI returns an api that authenticates as user:pass. secrets are the
// parts of the credential that are secret on their own (Zendesk's token,
// Freshdesk's key), removed from error bodies along with the whole
// credential and its Basic-auth encoding should a helpdesk, or a proxy in
// front of it, echo them.
func newAPI(client *http.Client, base, user, pass string, secrets ...string) *api {
	a := &api{client: client, base: base, user: user, pass: pass}
	basic := user + ":" + pass
	for _, s := range append([]string{basic, base64.StdEncoding.EncodeToString([]byte(basic))}, secrets...) {
		if s != "" {
			a.secrets = append(a.secrets, s)
			a.longest = max(a.longest, len(s))
		}
	}
	return a
}

// ticketPath checks that id is a helpdesk ticket number and returns it
// escaped for a URL path.
func ticketPath(id string) (string, error) {
	if id == "" || len(id) > 20 || strings.Trim(id, "0123456789") != "" {
		return "", fmt.Errorf("ticket id %q is not numeric", id)
	}
	return url.PathEscape(id), nil
}

// send makes one request with payload as its JSON body. Answers outside
// 2xx are a *StatusError.
func (a *api) send(ctx context.Context, method, path string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.SetBasicAuth(a.user, a.pass)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "slawatch")
	resp, err := a.client.Do(req) // a *url.Error names the URL, which holds no credential
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
		return nil
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxRead))
	if len(raw) == maxRead {
		// The body goes on: its last bytes may hold the start of a secret
		// whose end was not read, which redaction would not recognise.
		raw = raw[:max(0, len(raw)-a.longest)]
	}
	return &StatusError{StatusCode: resp.StatusCode, Body: a.excerpt(raw), RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
}

// maxRead bounds how much of an error body is read.
const maxRead = 8 << 10

// excerpt makes an error body safe to log: the credential removed, on one
// line, at most maxErrorBody bytes of valid UTF-8.
func (a *api) excerpt(raw []byte) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(raw), "\uFFFD"))
	for _, secret := range a.secrets {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	s = strings.TrimSpace(s)
	if len(s) > maxErrorBody {
		cut := maxErrorBody
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
