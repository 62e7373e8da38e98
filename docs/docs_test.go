package docs

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// maxMarkdownBytes bounds every Markdown file: the largest real one is under
// 20 KB, and a file that grows past this is almost surely a script's
// accident (one doc once became 6 MB by a string replace with an empty
// pattern).
const maxMarkdownBytes = 200 << 10

// root is the repository root, seen from this package's directory.
const root = ".."

// skipDirs are never part of the documentation.
var skipDirs = []string{".git", "node_modules", ".aws-sam"}

func TestMarkdownSize(t *testing.T) {
	files := markdownFiles(t, root)
	if len(files) < 10 {
		t.Fatalf("found %d Markdown files, want the README and docs/ at least", len(files))
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > maxMarkdownBytes {
			t.Errorf("%s: %d bytes, over the %d-byte limit", rel(f), fi.Size(), maxMarkdownBytes)
		}
	}
}

func TestRelativeLinks(t *testing.T) {
	files := append([]string{filepath.Join(root, "README.md")}, markdownFiles(t, ".")...)
	checked := 0
	for _, f := range files {
		for _, p := range brokenLinks(t, f) {
			t.Error(p)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked %d files", checked)
	}
}

// TestBrokenLinksAreFound runs the link check on a small tree with every
// kind of link it must judge.
func TestBrokenLinksAreFound(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("sub/target.md", "# Target\n\n## The `serve` command — flags\n\n## Repeated\n\n## Repeated\n")
	write("code.go", "package x\n")
	write("index.md", strings.Join([]string{
		"[ok file](sub/target.md)",
		"[ok heading](sub/target.md#the-serve-command--flags)",
		"[ok repeated](sub/target.md#repeated-1)",
		"[ok own heading](#index)",
		"[ok dir](sub/)",
		"[ok non-markdown with anchor](code.go#L1)",
		"[ok absolute](https://example.com/nowhere.md)",
		"[ok mail](mailto:someone@example.com)",
		"[ref ok][r1]",
		"![ok image](code.go)",
		"[missing file](sub/none.md)",
		"[missing heading](sub/target.md#nothing-here)",
		"[missing repeated](sub/target.md#repeated-2)",
		"[missing own heading](#elsewhere)",
		"[ref missing][r2]",
		"![missing image](pic.png)",
		"`[not a link](nowhere.md)`",
		"",
		"# Index",
		"",
		"[r1]: sub/target.md#target",
		"[r2]: sub/gone.md",
		"",
	}, "\n\n"))
	got := brokenLinks(t, filepath.Join(dir, "index.md"))
	want := []string{"sub/none.md", "sub/target.md#nothing-here", "sub/target.md#repeated-2", "#elsewhere", "sub/gone.md", "pic.png"}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(got[i], "("+w+")") {
			t.Errorf("problem %d: %q, want one about %s", i, got[i], w)
		}
	}
}

// TestAnchor checks the heading anchors against the rules of github-slugger,
// the algorithm GitHub uses (worked out by hand for each heading: lower case,
// punctuation other than '-' and '_' dropped, each space a hyphen, so the
// space-dash-space of "serve — flags" becomes "--").
func TestAnchor(t *testing.T) {
	for _, c := range []struct{ heading, want string }{
		{"Reliability", "reliability"},
		{"The generic event format", "the-generic-event-format"},
		{"Issue 6: acknowledgements", "issue-6-acknowledgements"},
		{"`slawatch serve` — flags", "slawatch-serve--flags"},
		{"What's checked (and why)", "whats-checked-and-why"},
		{"snake_case stays", "snake_case-stays"},
		{"Ünïcödé Straße", "ünïcödé-straße"},
		{"  trailing  ", "trailing"},
		{"A.B/C", "abc"},
	} {
		if got := anchor(c.heading); got != c.want {
			t.Errorf("anchor(%q) = %q, want %q", c.heading, got, c.want)
		}
	}
}

// markdownFiles lists the Markdown files under dir.
func markdownFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && slices.Contains(skipDirs, d.Name()) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".md") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var md = goldmark.New(goldmark.WithExtensions(extension.GFM))

// parsed is a Markdown file's syntax tree and the anchors of its headings.
type parsed struct {
	src     []byte
	doc     ast.Node
	anchors map[string]bool
}

func parse(t *testing.T, file string, cache map[string]*parsed) *parsed {
	t.Helper()
	if p, ok := cache[file]; ok {
		return p
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p := &parsed{src: src, doc: md.Parser().Parse(text.NewReader(src)), anchors: map[string]bool{}}
	seen := map[string]int{}
	_ = ast.Walk(p.doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			a := anchor(plainText(h, src))
			// GitHub numbers repeated headings: x, x-1, x-2, …
			if k := seen[a]; k > 0 {
				p.anchors[fmt.Sprintf("%s-%d", a, k)] = true
			} else {
				p.anchors[a] = true
			}
			seen[a]++
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	cache[file] = p
	return p
}

// brokenLinks returns a line for every relative link or image in file whose
// target file, or heading anchor in a Markdown target, does not exist.
func brokenLinks(t *testing.T, file string) []string {
	t.Helper()
	cache := map[string]*parsed{}
	p := parse(t, file, cache)
	var problems []string
	_ = ast.Walk(p.doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest string
		switch l := n.(type) {
		case *ast.Link:
			dest = string(l.Destination)
		case *ast.Image:
			dest = string(l.Destination)
		default:
			return ast.WalkContinue, nil
		}
		if problem := checkLink(t, file, dest, cache); problem != "" {
			problems = append(problems, fmt.Sprintf("%s: link (%s): %s", rel(file), dest, problem))
		}
		return ast.WalkContinue, nil
	})
	return problems
}

func checkLink(t *testing.T, from, dest string, cache map[string]*parsed) string {
	u, err := url.Parse(dest)
	if err != nil {
		return "not a URL: " + err.Error()
	}
	if u.Scheme != "" || u.Host != "" {
		return "" // absolute: not checked here
	}
	target := from
	if u.Path != "" {
		if strings.HasPrefix(u.Path, "/") {
			return "a path from the site root; links must be relative to the file"
		}
		target = filepath.Join(filepath.Dir(from), filepath.FromSlash(u.Path))
		fi, err := os.Stat(target)
		if err != nil {
			return "no such file"
		}
		if fi.IsDir() {
			if u.Fragment != "" {
				return "an anchor in a directory"
			}
			return ""
		}
	}
	if u.Fragment == "" || !strings.EqualFold(path.Ext(target), ".md") {
		return "" // GitHub's line anchors (#L10) and the like are not headings
	}
	if !parse(t, target, cache).anchors[u.Fragment] {
		return "no heading with this anchor"
	}
	return ""
}

// plainText is a heading's text as GitHub derives anchors from it: the text
// of its inline content, code spans and link texts included, markup left
// out.
func plainText(n ast.Node, src []byte) string {
	var b bytes.Buffer
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// anchor is GitHub's anchor for a heading: lower case, every character that
// is not a letter, digit, space, hyphen or underscore dropped, spaces turned
// into hyphens.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func rel(p string) string {
	if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
