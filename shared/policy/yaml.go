package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// FieldError is one problem in a configuration file, located by the dotted
// path of the field and its line.
type FieldError struct {
	Path string
	Line int
	Msg  string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Path, e.Msg)
}

// Errors is every problem found in one configuration file.
type Errors []*FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// reader walks a YAML node tree and collects every error instead of
// stopping at the first, so one run of `config check` shows them all.
type reader struct {
	errs Errors
	// calendarsOnly: the caller needs the calendars; policies may be
	// missing (ParseCalendars).
	calendarsOnly bool
}

func (r *reader) fail(n *yaml.Node, path, format string, args ...any) {
	if path == "" {
		path = "(document)"
	}
	r.errs = append(r.errs, &FieldError{Path: path, Line: n.Line, Msg: fmt.Sprintf(format, args...)})
}

func join(path, key string) string {
	if key == "" || strings.ContainsAny(key, ". []\n") {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

type entry struct {
	key  string
	node *yaml.Node
	path string
}

// fields returns the entries of a mapping, reporting keys that are not in
// known (nil known accepts any key) and keys given twice.
func (r *reader) fields(n *yaml.Node, path string, known ...string) []entry {
	if n.Kind != yaml.MappingNode {
		r.fail(n, path, "want a mapping, got %s", kind(n))
		return nil
	}
	var out []entry
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			r.fail(k, path, "keys must be scalars")
			continue
		case seen[k.Value]:
			r.fail(k, p, "key given twice")
			continue
		case known != nil && !slices.Contains(known, k.Value):
			r.fail(k, p, "unknown key %q (known keys: %s)", k.Value, strings.Join(known, ", "))
			continue
		}
		seen[k.Value] = true
		out = append(out, entry{k.Value, v, p})
	}
	return out
}

func (r *reader) str(n *yaml.Node, path string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		r.fail(n, path, "want a string, got %s", kind(n))
		return ""
	}
	return n.Value
}

// strs accepts a single scalar or a sequence of scalars.
func (r *reader) strs(n *yaml.Node, path string) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{r.str(n, path)}
	}
	if n.Kind != yaml.SequenceNode {
		r.fail(n, path, "want a list, got %s", kind(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		out = append(out, r.str(c, index(path, i)))
	}
	return out
}

func (r *reader) boolean(n *yaml.Node, path string) bool {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		r.fail(n, path, "want true or false, got %q", n.Value)
	}
	return b
}

// duration parses a Go duration ("90m", "1h30m"); it must be positive.
func (r *reader) duration(n *yaml.Node, path string) time.Duration {
	d, ok := r.parseDuration(n, path)
	if ok && d <= 0 {
		r.fail(n, path, "duration %q must be positive", n.Value)
	}
	return d
}

// durationOrZero parses a duration that may be zero ("0", "0s", "0m").
func (r *reader) durationOrZero(n *yaml.Node, path string) time.Duration {
	d, ok := r.parseDuration(n, path)
	if ok && d < 0 {
		r.fail(n, path, "duration %q must not be negative", n.Value)
	}
	return d
}

func (r *reader) parseDuration(n *yaml.Node, path string) (time.Duration, bool) {
	s := r.str(n, path)
	if s == "" {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil && strings.HasSuffix(s, "d"):
		// Not a unit on purpose: on a business clock "3d" would read as
		// three working days but count 72 open hours (nine 8-hour days).
		r.fail(n, path, "bad duration %q: days are not a unit, write hours: 72h is three calendar days; on a business clock within counts open hours, so three 8-hour working days are 24h", s)
		return 0, false
	case err != nil:
		r.fail(n, path, "bad duration %q: want a number with a unit, such as 30m, 4h or 1h30m", s)
		return 0, false
	}
	return d, true
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return fmt.Sprintf("%q", n.Value)
}
