package store

import (
	"context"
	"time"
)

// Doc is a small versioned document an integration keeps (the Slack
// message that stands for an incident): its bytes and how many times it was
// written.
type Doc struct {
	Data    []byte
	Version int64 // 1 for the first write
}

// DocTTL is how long a document outlives its last write: an incident's
// Slack message is edited for as long as its clock runs, and a few weeks
// cover any SLA.
const DocTTL = 30 * 24 * time.Hour

// Docs keeps integration documents by key, with the conditional writes
// that let racing writers agree: one first write wins, and a replace
// applies only to the version it read.
type Docs interface {
	// GetDoc returns the document under key; ok is false when there is
	// none.
	GetDoc(ctx context.Context, key string) (doc Doc, ok bool, err error)
	// PutDocIfAbsent writes data as version 1 unless a document is there;
	// it returns the document under key afterwards and whether it is data.
	PutDocIfAbsent(ctx context.Context, key string, data []byte) (cur Doc, stored bool, err error)
	// ReplaceDoc writes data as version old+1 if the document is still at
	// version old; false (and no error) when it changed or is gone.
	ReplaceDoc(ctx context.Context, key string, old int64, data []byte) (bool, error)
}
