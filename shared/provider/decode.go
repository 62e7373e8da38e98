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
	"unicode"
	"unicode/utf8"
)

// DecodeJSON decodes one JSON value from body into v. Errors are
// *ParseErrors naming the field where the decoder can tell. strict refuses
// unknown fields; vendor payloads are decoded leniently, since vendors add
// fields. Duplicate keys are refused either way (see duplicateKey).
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
	if path, ok := duplicateKey(body); ok {
		return &ParseError{Field: path, Err: errors.New("duplicate key (a key may appear once per object, in any letter case)")}
	}
	return nil
}

// duplicateKey returns the path of the first key that repeats an earlier
// key of the same object, compared as encoding/json matches keys to struct
// fields: unescaped and case-folded. encoding/json keeps the last of them,
// so a value injected after the real one (a helpdesk placeholder rendered
// unescaped into a JSON body) would silently win; DecodeJSON refuses such
// bodies instead. data must be valid JSON.
func duplicateKey(data []byte) (string, bool) {
	var stack []frame
	wantKey := false
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '{', '[':
			stack = append(stack, frame{object: data[i] == '{'})
			wantKey = data[i] == '{'
		case '}', ']':
			stack = stack[:len(stack)-1]
		case ',':
			if top := &stack[len(stack)-1]; top.object {
				wantKey = true
			} else {
				top.index++
			}
		case '"':
			end, escaped := i+1, false
			for ; data[end] != '"'; end++ {
				if data[end] == '\\' {
					escaped = true
					end++
				}
			}
			if len(stack) > 0 && stack[len(stack)-1].object && wantKey {
				key := data[i+1 : end]
				if escaped || !utf8.Valid(key) {
					var s string
					_ = json.Unmarshal(data[i:end+1], &s) // a valid JSON string
					key = []byte(s)
				}
				top := &stack[len(stack)-1]
				if top.seen(key) {
					var b strings.Builder
					for _, f := range stack[:len(stack)-1] {
						if f.object {
							if b.Len() > 0 {
								b.WriteByte('.')
							}
							b.Write(f.key)
						} else {
							fmt.Fprintf(&b, "[%d]", f.index)
						}
					}
					if b.Len() > 0 {
						b.WriteByte('.')
					}
					b.Write(key)
					return b.String(), true
				}
				top.key, wantKey = key, false
			}
			i = end
		}
	}
	return "", false
}

// frame is an open object or array in duplicateKey's scan.
type frame struct {
	object bool
	keys   [][]byte            // the object's keys so far
	folded map[string]struct{} // replaces keys once an object is large
	key    []byte              // the current member's key
	index  int                 // the current element's index
}

// seen records key and reports whether the object already had it.
func (f *frame) seen(key []byte) bool {
	if f.folded == nil && len(f.keys) < 32 {
		for _, k := range f.keys {
			if bytes.EqualFold(k, key) { // the same equivalence as foldKey
				return true
			}
		}
		f.keys = append(f.keys, key)
		return false
	}
	if f.folded == nil {
		f.folded = make(map[string]struct{}, 2*len(f.keys))
		for _, k := range f.keys {
			f.folded[foldKey(k)] = struct{}{}
		}
		f.keys = nil
	}
	k := foldKey(key)
	if _, ok := f.folded[k]; ok {
		return true
	}
	f.folded[k] = struct{}{}
	return false
}

// foldKey maps every rune to the smallest rune of its case-folding orbit,
// as encoding/json does to match keys with fields ("K", "k" and the Kelvin
// sign all become "K").
func foldKey(key []byte) string {
	var b strings.Builder
	for _, r := range string(key) {
		for {
			next := unicode.SimpleFold(r)
			if next <= r {
				r = next
				break
			}
			r = next
		}
		b.WriteRune(r)
	}
	return b.String()
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

// maxUnixMillis is the first millisecond of the year 10000: later times have
// no RFC 3339 form, so neither the store nor the ticket API could write them.
const maxUnixMillis = 253402300800000

// UnixMillis reads a Unix time in milliseconds, given as a JSON number or a
// string of digits, before the year 10000.
func UnixMillis(field string, v json.Number) (time.Time, error) {
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || n <= 0 || n >= maxUnixMillis {
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

// AckMarker identifies slawatch's own acknowledgement in a message body.
// Customers never see it: write-back puts it in AckMarkerHTML, which the
// helpdesk and mail clients do not display, and the acknowledgement topic's
// message carries none (it goes out through the team's own mailer or SMS
// and never comes back as a webhook).
const AckMarker = "slawatch:ack"

// AckMarkerHTML is the marker as write-back appends it to an HTML reply
// body: an HTML comment, invisible where the body is shown.
const AckMarkerHTML = "<!-- " + AckMarker + " -->"

// IsAck reports whether a message by authorID with the given body is
// slawatch's own acknowledgement: posted as the configured acknowledgement
// author (the primary signal: write-back posts as ack_author), or carrying
// the marker outside quoted text — in the raw HTML body as AckMarkerHTML,
// or as plain text in acknowledgements sent before the marker was hidden.
// An agent's reply that quotes the acknowledgement is still a real answer.
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
