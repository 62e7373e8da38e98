package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// ddbProxy sits between slawatch and DynamoDB Local and counts the
// requests by operation, and the writes refused for a lost race
// (ConditionalCheckFailed, TransactionCanceled): what a webhook costs in
// DynamoDB requests, and how much optimistic concurrency retries.
type ddbProxy struct {
	srv *http.Server
	url string

	mu        sync.Mutex
	ops       map[string]int
	conflicts map[string]int
	writes    writeUnits
}

// writeUnits are the write units of the requests the proxy saw, by AWS's
// rules, from the items in their bodies: 1 per KB of an item put, twice
// that inside a transaction. An update (UpdateItem, or an Update in a
// transaction) is counted as one item under 1 KB: slawatch updates only
// small items (a source's traffic, a day's aggregate). Every attempt
// counts, those refused for a lost race too.
type writeUnits struct {
	byKind       map[string]float64 // by the item's key prefix: T (ticket), E (de-duplication record), Q, H, …
	ticketPuts   int                // ticket items put, and their billed bytes
	ticketBytes  int
	ticketMax    int
	ticketUnits  float64
	ticketInTxns int // of them, inside a transaction
}

func startDDBProxy(target string) (*ddbProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("DynamoDB endpoint %q: %w", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &ddbProxy{url: "http://" + ln.Addr().String(), ops: map[string]int{}, conflicts: map[string]int{}, writes: writeUnits{byKind: map[string]float64{}}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		op := operation(resp.Request)
		p.mu.Lock()
		p.ops[op]++
		p.mu.Unlock()
		if resp.StatusCode != http.StatusBadRequest {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return err
		}
		if bytes.Contains(body, []byte("ConditionalCheckFailed")) || bytes.Contains(body, []byte("TransactionCanceled")) ||
			bytes.Contains(body, []byte("TransactionConflict")) {
			p.mu.Lock()
			p.conflicts[op]++
			p.mu.Unlock()
		}
		return nil
	}
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256}
	// A request slawatch gives up on (at shutdown) is not news.
	rp.ErrorLog = log.New(io.Discard, "", 0)
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.weigh(r)
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func operation(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	if _, op, ok := strings.Cut(t, "."); ok {
		return op
	}
	return "other"
}

func (p *ddbProxy) close() { _ = p.srv.Close() }

// counts returns the requests and conflicts so far, by operation.
func (p *ddbProxy) counts() (ops, conflicts map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ops, conflicts = map[string]int{}, map[string]int{}
	for k, v := range p.ops {
		ops[k] = v
	}
	for k, v := range p.conflicts {
		conflicts[k] = v
	}
	return ops, conflicts
}

// summary is "GetItem 123, TransactWriteItems 45 (3 lost races), …",
// the most frequent first.
func summary(ops, conflicts map[string]int) string {
	var names []string
	for k := range ops {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int { return ops[b] - ops[a] })
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, ops[n])
		if c := conflicts[n]; c > 0 {
			parts[i] += fmt.Sprintf(" (%d lost races)", c)
		}
	}
	return strings.Join(parts, ", ")
}

// ddbAttr is an attribute value in DynamoDB's JSON protocol.
type ddbAttr struct {
	S    *string            `json:"S"`
	N    *string            `json:"N"`
	B    []byte             `json:"B"` // base64 in the JSON
	BOOL *bool              `json:"BOOL"`
	NULL *bool              `json:"NULL"`
	M    map[string]ddbAttr `json:"M"`
	L    []ddbAttr          `json:"L"`
	SS   []string           `json:"SS"`
	NS   []string           `json:"NS"`
	BS   [][]byte           `json:"BS"`
	_    struct{}           `json:"-"`
}

// itemBytes is an item's size as DynamoDB bills it: each attribute's name
// and value; a number 1 byte per two significant digits plus one; a map or
// list 3 bytes plus 1 per element.
func itemBytes(item map[string]ddbAttr) int {
	n := 0
	for name, v := range item {
		n += len(name) + v.size()
	}
	return n
}

func (a ddbAttr) size() int {
	switch {
	case a.S != nil:
		return len(*a.S)
	case a.N != nil:
		return numBytes(*a.N)
	case a.B != nil:
		return len(a.B)
	case a.M != nil:
		return 3 + len(a.M) + itemBytes(a.M)
	case a.L != nil:
		n := 3 + len(a.L)
		for _, e := range a.L {
			n += e.size()
		}
		return n
	case a.SS != nil:
		n := 0
		for _, e := range a.SS {
			n += len(e)
		}
		return n
	case a.NS != nil:
		n := 0
		for _, e := range a.NS {
			n += numBytes(e)
		}
		return n
	case a.BS != nil:
		n := 0
		for _, e := range a.BS {
			n += len(e)
		}
		return n
	}
	return 1 // BOOL, NULL
}

func numBytes(n string) int {
	digits := strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(n), "0")
	return (len(strings.TrimRight(digits, "0"))+1)/2 + 1
}

// weigh adds the write units of a write request to p.writes; the body is
// left for the proxy to send.
func (p *ddbProxy) weigh(r *http.Request) {
	op := operation(r)
	if op != "PutItem" && op != "TransactWriteItems" && op != "UpdateItem" {
		return
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return
	}
	type put struct {
		Item map[string]ddbAttr `json:"Item"`
	}
	type key struct {
		Key map[string]ddbAttr `json:"Key"`
	}
	var in struct {
		put
		key
		TransactItems []struct {
			Put            *put `json:"Put"`
			Update, Delete *key
			ConditionCheck *key
		} `json:"TransactItems"`
	}
	if json.Unmarshal(body, &in) != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	add := func(item map[string]ddbAttr, times float64, txn bool) {
		size := itemBytes(item)
		units := times * float64(max(1, (size+1023)/1024))
		k := kind(item)
		p.writes.byKind[k] += units
		if k == "T" {
			p.writes.ticketPuts++
			p.writes.ticketBytes += size
			p.writes.ticketMax = max(p.writes.ticketMax, size)
			p.writes.ticketUnits += units
			if txn {
				p.writes.ticketInTxns++
			}
		}
	}
	switch op {
	case "PutItem":
		add(in.Item, 1, false)
	case "UpdateItem":
		p.writes.byKind[kind(in.Key)]++
	case "TransactWriteItems":
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				add(it.Put.Item, 2, true)
			case it.Update != nil:
				p.writes.byKind[kind(it.Update.Key)] += 2
			case it.Delete != nil:
				p.writes.byKind[kind(it.Delete.Key)] += 2
			case it.ConditionCheck != nil:
				p.writes.byKind[kind(it.ConditionCheck.Key)] += 2
			}
		}
	}
}

// kind is an item's key prefix: "T" for a ticket, "E" for a
// de-duplication record, "Q" a queue, "H" the history, ….
func kind(item map[string]ddbAttr) string {
	pk := item["pk"].S
	if pk == nil {
		return "other"
	}
	k, _, _ := strings.Cut(*pk, "#")
	return k
}

// writeUnitsSoFar returns a copy of the write units counted so far.
func (p *ddbProxy) writeUnitsSoFar() writeUnits {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.writes
	w.byKind = maps.Clone(p.writes.byKind)
	return w
}

// summary is the write units per webhook request by item kind, and the
// ticket items' sizes.
func (w writeUnits) summary(requests int) string {
	kinds := slices.Sorted(maps.Keys(w.byKind))
	slices.SortStableFunc(kinds, func(a, b string) int { return cmp.Compare(w.byKind[b], w.byKind[a]) })
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, w.byKind[k]/float64(max(requests, 1))))
	}
	mean := 0
	if w.ticketPuts > 0 {
		mean = w.ticketBytes / w.ticketPuts
	}
	return fmt.Sprintf("%s per webhook (T: tickets, E: de-duplication records, Q: queues, H: history, SRC: traffic); "+
		"ticket items written %d times (%d in a transaction), %.2f units each, %d bytes on average, %d at most",
		strings.Join(parts, ", "), w.ticketPuts, w.ticketInTxns, w.ticketUnits/float64(max(w.ticketPuts, 1)), mean, w.ticketMax)
}
