// Package oncall delivers slawatch's alerts into the tools on-call leads
// live in (PagerDuty, Opsgenie, Slack, Microsoft Teams). Each tool has its
// own package with a Sender; this one holds what they share: the keys that
// make later alerts update one incident instead of piling up, the
// classification of a tool's failure answers, and the retry loop.
//
// Senders take the alert document subscribers receive from the alert topic
// (notify.Document, schema slawatch.alert/1), so an integration runs as a
// subscriber of the topic (SNS → Lambda) or in process (slawatch serve)
// with the same code.
package oncall

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
)

// Sender delivers one alert to one tool.
type Sender interface {
	// Send delivers d. An error is an *Error when the tool answered or
	// could not be reached, saying whether and when to retry.
	Send(ctx context.Context, d notify.Document) error
}

// IncidentKey identifies the problem an alert is about: one ticket's clock
// (source, ticket, metric, cycle), so that its warning, breach, escalations
// and recovery update one incident; a storm digest's is its team's. Tools
// that bound their keys (PagerDuty: 255 characters) get a hash beyond that.
func IncidentKey(d notify.Document) string {
	switch d.Kind {
	case notify.KindBreachDigest:
		return "slawatch/digest/" + d.Team
	case notify.KindSourceSilent:
		return "slawatch/source/" + d.Source + "/silent"
	case notify.KindSourceRejected:
		return "slawatch/source/" + d.Source + "/rejected"
	case notify.KindConfigRefused:
		// One incident for refused configurations, whatever their origin
		// (a file path or parameter name, which may hold slashes).
		return "slawatch/source/config/refused"
	case notify.KindSourceBack:
		if d.Ends == notify.KindSourceRejected {
			return "slawatch/source/" + d.Source + "/rejected"
		}
		return "slawatch/source/" + d.Source + "/silent"
	}
	return "slawatch/" + d.Source + "/" + d.TicketID + "/" + d.Metric + "/" + strconv.Itoa(d.Cycle)
}

// ParseIncidentKey reads a ticket clock's IncidentKey back, as a tool's
// webhook returns it (an acknowledgement). The ticket id may hold slashes
// (GitHub's "owner/repo#42"); source names and metrics cannot. ok is false
// for anything else, a digest's key included.
func ParseIncidentKey(key string) (source, ticket, metric string, cycle int, ok bool) {
	rest, found := strings.CutPrefix(key, "slawatch/")
	if !found || strings.HasPrefix(rest, "digest/") || strings.HasPrefix(rest, "source/") {
		return "", "", "", 0, false
	}
	source, rest, found = strings.Cut(rest, "/")
	i := strings.LastIndexByte(rest, '/')
	if !found || i < 0 {
		return "", "", "", 0, false
	}
	n, err := strconv.Atoi(rest[i+1:])
	rest = rest[:i]
	j := strings.LastIndexByte(rest, '/')
	if err != nil || n < 0 || j <= 0 || source == "" {
		return "", "", "", 0, false
	}
	return source, rest[:j], rest[j+1:], n, true
}

// Resolves reports whether d ends the problem IncidentKey names: the
// breached clock got its reply (sla.recovered), or the source is back
// (sla.source_back).
func Resolves(d notify.Document) bool {
	return d.Kind == notify.KindRecovered || d.Kind == notify.KindSourceBack
}

// Error is a delivery that failed, classified as the tool's documentation
// says. Its text never holds the request's URL or credentials: webhook URLs
// of Slack and Teams are secrets.
type Error struct {
	Tool   string
	Status int // the HTTP status; 0 when the tool was not reached
	// Permanent: the request itself is wrong (a 400 and the like); sending
	// it again cannot succeed. Record it, alert on it, do not retry.
	Permanent bool
	// RetryAfter is the wait the tool asked for (a 429's Retry-After).
	RetryAfter time.Duration
	// Reason is the tool's own explanation, when it gave one (bounded).
	Reason string
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Tool)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Permanent {
		b.WriteString(" (not retried)")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether a delivery that failed with err may succeed
// when sent again, and the least wait before that. Anything but a
// permanent *Error is retryable: a transport failure or timeout, a 5xx, a
// 429.
func Retryable(err error) (retry bool, after time.Duration) {
	var e *Error
	if errors.As(err, &e) {
		return !e.Permanent, e.RetryAfter
	}
	return err != nil, 0
}

// maxReason bounds the tool's explanation kept in an Error.
const maxReason = 300

// Do sends req with client and classifies the answer: a 2xx returns the
// body (at most 1 MiB); 429 is retried after its Retry-After; 408 and 5xx
// are retried; other 4xx are permanent. A transport error or timeout is
// retried, reported without the URL. Tools with their own rules (Slack's
// 200 with "ok": false) look at the body themselves.
func Do(client *http.Client, req *http.Request, tool string) ([]byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text holds the URL: a secret for webhook tools
		}
		return nil, &Error{Tool: tool, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &Error{Tool: tool, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return body, nil
	}
	e := &Error{Tool: tool, Status: resp.StatusCode, Reason: reason(body)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.RetryAfter = RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
	default:
		e.Permanent = true
	}
	return body, e
}

// reason keeps the start of an error body, on one line.
func reason(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > maxReason {
		s = s[:maxReason] + "…"
	}
	return s
}

// RetryAfter reads a Retry-After header: seconds, or an HTTP date. An
// absent, malformed or past value is 0.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(n)*time.Second, 0)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// Backoff paces the retries of one delivery.
type Backoff struct {
	First, Max time.Duration // the first wait and the longest (default 1s, 30s)
	// Sleep waits; nil is a timer that stops when ctx ends. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Deliver sends d with s until it succeeds, fails permanently, or ctx ends,
// waiting between attempts: doubling from First up to Max with jitter, and
// at least what a 429 asked for. It returns the last error and the number
// of attempts.
func Deliver(ctx context.Context, s Sender, d notify.Document, b Backoff) (attempts int, err error) {
	first, most := b.First, b.Max
	if first <= 0 {
		first = time.Second
	}
	if most <= 0 {
		most = 30 * time.Second
	}
	sleep := b.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	wait := first
	for {
		attempts++
		err = s.Send(ctx, d)
		retry, after := Retryable(err)
		if err == nil || !retry {
			return attempts, err
		}
		// Full jitter on the back-off, but never less than the tool asked.
		w := max(time.Duration(rand.Int64N(int64(wait)))+wait/2, after)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < w {
			return attempts, err // no time for another try: the caller retries later
		}
		if serr := sleep(ctx, w); serr != nil {
			return attempts, err
		}
		wait = min(2*wait, most)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
