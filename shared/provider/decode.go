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

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// DecodeJSON decodes one JSON value from body into v. Errors are
// *ParseErrors naming the field where the decoder can tell. strict refuses
// unknown fields; vendor payloads are decoded leniently, since vendors add
// fields. Duplicate keys are refused either way.
//
// The body is read once, by encoding/json/v2's decoder (the module
// github.com/go-json-experiment/json, which needs no GOEXPERIMENT), with
// the semantics slawatch had with encoding/json: keys match fields in any
// letter case (strings.EqualFold), invalid UTF-8 in strings becomes
// U+FFFD, trailing data is refused. Duplicate keys matter because a value
// injected after the real one (a helpdesk placeholder rendered unescaped
// into a JSON body) would otherwise silently win; the decoder refuses two
// equal keys in any object, and two keys of a struct's object that name
// the same field in different letter case. Keys that differ only in case
// and name no field are left alone: neither value is used.
func DecodeJSON(body []byte, v any, strict bool) error {
	opts := lenientJSON
	if strict {
		opts = strictJSON
	}
	if err := jsonv2.Unmarshal(body, v, opts); err != nil {
		return decodeError(body, err)
	}
	return nil
}

var (
	lenientJSON = jsonv2.JoinOptions(
		jsonv2.MatchCaseInsensitiveNames(true),
		jsonv1.MatchCaseSensitiveDelimiter(true), // "ticketid" is not "ticket_id"
		jsontext.AllowInvalidUTF8(true),
	)
	strictJSON = jsonv2.JoinOptions(lenientJSON, jsonv2.RejectUnknownMembers(true))
	// syntaxJSON checks syntax alone, as encoding/json's scanner did.
	syntaxJSON = jsonv2.JoinOptions(jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
)

// decodeError turns the decoder's error into a *ParseError. A body that is
// not JSON is reported as such whatever else is wrong with it, as
// encoding/json did (it scanned the whole value before decoding it), so the
// error does not depend on which fault comes first. Runs on refusals only.
func decodeError(body []byte, err error) error {
	if perr := syntaxError(body); perr != nil {
		return perr
	}
	var sem *jsonv2.SemanticError
	var syn *jsontext.SyntacticError
	var typeErr *json.UnmarshalTypeError
	var pe *ParseError
	switch {
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return &ParseError{Field: fieldPath(body, syn.JSONPointer, true), Err: errors.New("duplicate key (a key may appear once per object, in any letter case)")}
	case errors.As(err, &sem) && errors.Is(sem.Err, jsonv2.ErrUnknownName):
		return &ParseError{Field: sem.JSONPointer.LastToken(), Err: errors.New("unknown field")}
	case errors.As(err, &sem):
		field := fieldPath(body, sem.JSONPointer, false)
		if field == "" {
			field = "(body)"
		}
		switch {
		case errors.As(err, &typeErr): // from an UnmarshalJSON method
			return &ParseError{Field: field, Err: fmt.Errorf("want %s, got JSON %s", typeErr.Type, typeErr.Value)}
		case errors.As(err, &pe):
			return pe
		case sem.GoType != nil && sem.JSONKind != 0:
			msg := fmt.Sprintf("want %s, got JSON %s", sem.GoType, kindName(sem.JSONKind))
			if sem.Err != nil {
				msg += " (" + sem.Err.Error() + ")"
			}
			return &ParseError{Field: field, Err: errors.New(msg)}
		}
		return &ParseError{Field: field, Err: fmt.Errorf("malformed JSON: %v", sem.Err)}
	}
	return &ParseError{Err: fmt.Errorf("malformed JSON: %v", err)}
}

// syntaxError reports whether body is not one JSON value: empty, malformed
// (nested too deep included) or followed by more than white space.
func syntaxError(body []byte) *ParseError {
	dec := jsontext.NewDecoder(bytes.NewReader(body), syntaxJSON)
	if err := dec.SkipValue(); err != nil {
		var syn *jsontext.SyntacticError
		switch {
		case len(bytes.TrimSpace(body)) == 0:
			return &ParseError{Err: errors.New("empty body")}
		case errors.As(err, &syn):
			return &ParseError{Err: fmt.Errorf("malformed JSON at byte %d: %v", syn.ByteOffset, syn.Err)}
		}
		return &ParseError{Err: fmt.Errorf("malformed JSON: %v", err)}
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return &ParseError{Err: errors.New("malformed JSON: trailing data after the value")}
	}
	return nil
}

// fieldPath names the value at ptr in body: object members by name, joined
// with dots, and with indices, array elements as [i] ("a.b[1].c");
// without, array elements are left out, as encoding/json named the fields
// of its type errors. The JSON pointer alone cannot tell an index from a
// member named with digits, so the body is walked. Runs on refusals only.
func fieldPath(body []byte, ptr jsontext.Pointer, indices bool) string {
	dec := jsontext.NewDecoder(bytes.NewReader(body), syntaxJSON)
	var b strings.Builder
	for tok := range ptr.Tokens() {
		open, err := dec.ReadToken()
		if err != nil {
			break
		}
		switch open.Kind() {
		case '[':
			n, err := strconv.Atoi(tok)
			if err != nil {
				return b.String()
			}
			if indices {
				fmt.Fprintf(&b, "[%d]", n)
			}
			for range n {
				if dec.SkipValue() != nil {
					return b.String()
				}
			}
		case '{':
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(tok)
			for {
				name, err := dec.ReadToken()
				if err != nil || name.Kind() != '"' {
					return b.String()
				}
				if name.String() == tok {
					break
				}
				if dec.SkipValue() != nil {
					return b.String()
				}
			}
		default:
			return b.String()
		}
	}
	return b.String()
}

// kindName names a JSON kind as encoding/json's type errors did: a kind
// is its value's first byte.
func kindName(k jsontext.Kind) string { return JSONKind([]byte{byte(k)}) }

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
