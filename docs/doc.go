// Package docs holds slawatch's documentation. It has no code: its test
// keeps the Markdown in the repository readable and its links working —
// every file under a size limit, and every relative link in README.md and
// docs/ pointing at a file that exists and, for a Markdown file, at a
// heading that exists.
package docs
