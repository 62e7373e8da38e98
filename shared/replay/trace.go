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
	tr := NewTraceReader(r)
	var out []event.Event
	for {
		e, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b event.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return out, nil
}

// TraceReader reads a trace line by line, as ReadTrace does, for traces
// too long to hold: it keeps one line at a time.
type TraceReader struct {
	sc   *bufio.Scanner
	line int
	err  error // the error that ended reading
}

// NewTraceReader returns a reader of the trace in r.
func NewTraceReader(r io.Reader) *TraceReader {
	sc := bufio.NewScanner(r)
	// Room for the line ending, so that a line of exactly MaxTraceLine
	// bytes fits.
	sc.Buffer(make([]byte, 0, 64*1024), MaxTraceLine+2)
	return &TraceReader{sc: sc}
}

// LineError is a line that does not hold a valid event. Reading may go on
// past it.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("replay: line %d: %v", e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }

// Next returns the next event, skipping blank lines; io.EOF at the end of
// the trace. A line that is not a valid event is a *LineError, after which
// Next reads the following line. Any other error (the input failed, or a
// line is longer than MaxTraceLine, which the scanner cannot step over)
// ends the trace: Next returns it again on every later call.
func (tr *TraceReader) Next() (event.Event, error) {
	if tr.err != nil {
		return event.Event{}, tr.err
	}
	for tr.sc.Scan() {
		tr.line++
		line := bytes.TrimSpace(tr.sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if len(tr.sc.Bytes()) > MaxTraceLine {
			tr.err = &LineError{tr.line, fmt.Errorf("longer than %d bytes", MaxTraceLine)}
			return event.Event{}, tr.err
		}
		e, err := decodeEvent(line)
		if err != nil {
			return event.Event{}, &LineError{tr.line, err}
		}
		return e, nil
	}
	switch err := tr.sc.Err(); {
	case errors.Is(err, bufio.ErrTooLong):
		tr.err = &LineError{tr.line + 1, fmt.Errorf("longer than %d bytes", MaxTraceLine)}
	case err != nil:
		tr.err = fmt.Errorf("replay: read trace: %w", err)
	default:
		tr.err = io.EOF
	}
	return event.Event{}, tr.err
}

// Err is the error that ended the trace, nil while Next can read on
// (io.EOF at its end).
func (tr *TraceReader) Err() error { return tr.err }

// Line is the number of the line Next read last, from 1.
func (tr *TraceReader) Line() int { return tr.line }

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
