package provider

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// DecodeJSON decodes one JSON value from body into v. Errors are
// *ParseErrors naming the field where the decoder can tell. strict refuses
// unknown fields; vendor payloads are decoded leniently, since vendors add
// fields.
func DecodeJSON(body []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.Is(err, io.EOF):
			return &ParseError{Err: errors.New("empty body")}
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				field = "(body)"
			}
			return &ParseError{Field: field, Err: fmt.Errorf("want %s, got JSON %s", typeErr.Type, typeErr.Value)}
		case errors.As(err, &syntaxErr):
			return &ParseError{Err: fmt.Errorf("malformed JSON at byte %d: %v", syntaxErr.Offset, err)}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &ParseError{Field: f, Err: errors.New("unknown field")}
		}
		return &ParseError{Err: fmt.Errorf("malformed JSON: %v", err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &ParseError{Err: errors.New("malformed JSON: trailing data after the value")}
	}
	return nil
}

// ParseTime accepts RFC 3339 (with or without fractional seconds).
func ParseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, Missing(field)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, Errorf(field, "%q is not an RFC 3339 time", s)
	}
	return t, nil
}

// UnixMillis reads a Unix time in milliseconds, given as a JSON number or a
// string of digits.
func UnixMillis(field string, v json.Number) (time.Time, error) {
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, Errorf(field, "%q is not a Unix time in milliseconds", string(v))
	}
	return time.UnixMilli(n).UTC(), nil
}

// SynthID derives a stable event id from the parts that identify an event,
// for vendors that send none.
func SynthID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return "syn-" + hex.EncodeToString(h.Sum(nil))[:32]
}

// AckMarker is the text slawatch puts in every acknowledgement it posts
// back into a helpdesk, so that the echoed webhook is recognised.
const AckMarker = "slawatch:ack"

// IsAck reports whether a message by authorID with the given body is
// slawatch's own acknowledgement: posted as the configured acknowledgement
// author, or carrying the marker outside quoted text — an agent's email
// reply that quotes the acknowledgement is still a real answer.
func IsAck(s Settings, authorID, body string) bool {
	return (s.AckAuthor != "" && authorID == s.AckAuthor) || strings.Contains(unquoted(body), AckMarker)
}

// unquoted drops the parts of a message body that quote earlier messages:
// HTML blockquotes, "> " lines, and everything after a reply header such as
// "On … wrote:" or "-----Original Message-----".
func unquoted(body string) string {
	for {
		i := strings.Index(strings.ToLower(body), "<blockquote")
		if i < 0 {
			break
		}
		end := strings.Index(strings.ToLower(body[i:]), "</blockquote>")
		if end < 0 {
			body = body[:i]
			break
		}
		body = body[:i] + body[i+end+len("</blockquote>"):]
	}
	var kept []string
	for _, line := range strings.Split(body, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "-----Original Message-----") || (strings.HasPrefix(l, "On ") && strings.HasSuffix(l, "wrote:")) {
			break
		}
		if !strings.HasPrefix(l, ">") && !strings.HasPrefix(l, "&gt;") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}
