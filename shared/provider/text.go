package provider

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// Text is a JSON string or number read as text, trimmed; null reads as "".
// Helpdesks send ids as numbers in one payload and strings in the next, and
// placeholders render whatever the admin quoted. Anything else is an
// UnmarshalTypeError, so DecodeJSON names the field.
type Text string

func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(strings.TrimSpace(s))
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*t = Text(b) // the decoder has already checked the number's syntax
	default:
		return &json.UnmarshalTypeError{Value: JSONKind(b), Type: reflect.TypeFor[string]()}
	}
	return nil
}

// JSONKind names the JSON type of a raw value, for error messages.
func JSONKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "value"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}
