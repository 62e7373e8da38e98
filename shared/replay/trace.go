package replay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/slawatch/slawatch/shared/event"
)

// MaxTraceLine is the longest line ReadTrace accepts, in bytes.
const MaxTraceLine = 1 << 20

// ReadTrace reads a trace in JSON Lines: one canonical event (the
// event.Event JSON encoding) per line; blank lines are skipped. Each event
// must be valid, and fields event.Event does not know are refused, so that a
// misspelt field is an error rather than a silently missing value. Errors
// name the line ("replay: line 12: ...").
//
// The events come back sorted by occurred-at, stably, as Run needs them:
// exported traces are often out of order. Duplicates (the same source and
// event id, as helpdesks redeliver) are kept; Run ignores their repeats.
func ReadTrace(r io.Reader) ([]event.Event, error) {
	sc := bufio.NewScanner(r)
	// Room for the line ending, so that a line of exactly MaxTraceLine
	// bytes fits.
	sc.Buffer(make([]byte, 0, 64*1024), MaxTraceLine+2)
	var out []event.Event
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if len(sc.Bytes()) > MaxTraceLine {
			return nil, lineError(n, fmt.Errorf("longer than %d bytes", MaxTraceLine))
		}
		e, err := decodeEvent(line)
		if err != nil {
			return nil, lineError(n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, lineError(n+1, fmt.Errorf("longer than %d bytes", MaxTraceLine))
		}
		return nil, fmt.Errorf("replay: read trace: %w", err)
	}
	slices.SortStableFunc(out, func(a, b event.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return out, nil
}

func lineError(n int, err error) error { return fmt.Errorf("replay: line %d: %w", n, err) }

// decodeEvent decodes and validates one line.
func decodeEvent(line []byte) (event.Event, error) {
	var e event.Event
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return event.Event{}, fmt.Errorf("malformed event: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return event.Event{}, errors.New("malformed event: more than one JSON value on the line")
	}
	if err := e.Validate(); err != nil {
		return event.Event{}, err
	}
	return e, nil
}

// WriteTrace writes events as JSON Lines, one event per line, in the order
// given; ReadTrace reads them back.
func WriteTrace(w io.Writer, events []event.Event) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i, e := range events {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("replay: write event %d: %w", i, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("replay: write trace: %w", err)
	}
	return nil
}
