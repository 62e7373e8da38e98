package queue

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Stats are stored compactly: a queue's item holds up to 200 replies and
// is rewritten whenever a ticket arrives or is first answered, so its size
// is most of slawatch's DynamoDB write cost. Times are Unix milliseconds,
// durations milliseconds, and each reply a JSON array
//
//	[ticket, at, wait, service, residual or null, flags(, position)]
//
// (flags: 1 promised, 2 kept) — about 60 bytes instead of 137 with named
// fields and RFC 3339 times — and the pace by weekday (Stats.Week) as 14
// numbers. Millisecond precision is below anything a
// promise is said in.
type statsJSON struct {
	Open      map[string]int64 `json:"open,omitempty"`
	Replies   []Reply          `json:"replies,omitempty"`
	LastReply int64            `json:"last_reply,omitempty"`
	// Week: per weekday, Sunday first, the decayed count (3 decimals) and
	// business milliseconds of its services.
	Week []float64 `json:"week,omitempty"`
	// Left: the decayed counts of tickets that left unanswered and of all
	// that left (Stats.Left, Stats.Ended), 3 decimals.
	Left []float64 `json:"left,omitempty"`
}

// MarshalJSON encodes s compactly.
func (s Stats) MarshalJSON() ([]byte, error) {
	j := statsJSON{Replies: s.Replies, LastReply: millis(s.LastReply)}
	if s.Week != [7]DayPace{} {
		j.Week = make([]float64, 0, 2*len(s.Week))
		for _, d := range s.Week {
			j.Week = append(j.Week, math.Round(d.N*1000)/1000, float64(d.Busy.Milliseconds()))
		}
	}
	if s.Ended > 0 {
		j.Left = []float64{math.Round(s.Left*1000) / 1000, math.Round(s.Ended*1000) / 1000}
	}
	if len(s.Open) > 0 {
		j.Open = make(map[string]int64, len(s.Open))
		for id, at := range s.Open {
			j.Open[id] = millis(at)
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (s *Stats) UnmarshalJSON(b []byte) error {
	var j statsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Stats{Replies: j.Replies, LastReply: fromMillis(j.LastReply)}
	if len(j.Week) > 0 {
		if len(j.Week) != 2*len(s.Week) {
			return fmt.Errorf("queue: week: want %d numbers, got %d", 2*len(s.Week), len(j.Week))
		}
		for i := range s.Week {
			s.Week[i] = DayPace{N: j.Week[2*i], Busy: time.Duration(j.Week[2*i+1]) * time.Millisecond}
		}
	}
	if len(j.Left) > 0 {
		if len(j.Left) != 2 {
			return fmt.Errorf("queue: left: want 2 numbers, got %d", len(j.Left))
		}
		s.Left, s.Ended = j.Left[0], j.Left[1]
	}
	if len(j.Open) > 0 {
		s.Open = make(map[string]time.Time, len(j.Open))
		for id, ms := range j.Open {
			s.Open[id] = fromMillis(ms)
		}
	}
	return nil
}

const (
	flagPromised = 1 << iota
	flagKept
)

// MarshalJSON encodes r as [ticket, at, wait, service, residual, flags].
func (r Reply) MarshalJSON() ([]byte, error) {
	flags := 0
	if r.Promised {
		flags |= flagPromised
	}
	if r.Kept {
		flags |= flagKept
	}
	fields := []any{r.Ticket, millis(r.At), r.Wait.Milliseconds(), r.Service.Milliseconds(), r.Residual, flags}
	if r.Position > 0 {
		// Appended, so that replies stored before positions were kept
		// read as they were written.
		fields = append(fields, r.Position)
	}
	return json.Marshal(fields)
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (r *Reply) UnmarshalJSON(b []byte) error {
	var (
		at, wait, service int64
		flags             int
	)
	*r = Reply{}
	fields := []any{&r.Ticket, &at, &wait, &service, &r.Residual, &flags, &r.Position}
	if err := json.Unmarshal(b, &fields); err != nil {
		return fmt.Errorf("queue: reply: %w", err)
	}
	if len(fields) != 6 && len(fields) != 7 {
		return fmt.Errorf("queue: reply: want 6 or 7 fields, got %d", len(fields))
	}
	r.At, r.Wait, r.Service = fromMillis(at), time.Duration(wait)*time.Millisecond, time.Duration(service)*time.Millisecond
	r.Promised, r.Kept = flags&flagPromised != 0, flags&flagKept != 0
	return nil
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
