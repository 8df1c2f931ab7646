package doctest

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// repoRoot is the repository's top directory, seen from this package.
const repoRoot = "../.."

// docFiles are the documents whose snippets, sessions and links are checked: README.md and docs/*.md,
// as paths relative to the repository's top.
func docFiles(t *testing.T) []string {
	t.Helper()
	more, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	require.NoError(t, err)
	require.NotEmpty(t, more, "no docs/*.md found")
	files := make([]string, 0, 1+len(more))
	files = append(files, "README.md")
	for _, f := range more {
		rel, err := filepath.Rel(repoRoot, f)
		require.NoError(t, err)
		files = append(files, filepath.ToSlash(rel))
	}
	return files
}

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(name)))
	require.NoError(t, err)
	return string(b)
}

// fence is one fenced code block of a document.
type fence struct {
	file   string
	line   int    // the line of the opening ``` (1-based)
	lang   string // the info string's first word: js, console, sh, ...
	marker string // the value of a `<!-- snippet: X -->` or `<!-- session: X -->` comment right before it
	body   string // the lines between the fences, each ending in "\n"
	start  int    // byte offsets of body in the document
	end    int
}

var markerRE = regexp.MustCompile(`^<!--\s*(snippet|session):\s*([A-Za-z0-9_.-]+)\s*-->\s*$`)

// fences returns the fenced code blocks of the document text (``` fences at the start of a line).
func fences(file, text string) []fence {
	var out []fence
	var cur *fence
	marker := ""
	off := 0
	for i, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimRight(line, "\r\n")
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &fence{file: file, line: i + 1, lang: firstWord(strings.TrimPrefix(trimmed, "```")), marker: marker, start: off + len(line)}
		case cur != nil && strings.TrimSpace(trimmed) == "```":
			cur.end = off
			cur.body = text[cur.start:cur.end]
			out = append(out, *cur)
			cur = nil
		case cur == nil:
			if m := markerRE.FindStringSubmatch(trimmed); m != nil {
				marker = m[1] + ":" + m[2]
			} else if strings.TrimSpace(trimmed) != "" {
				marker = ""
			}
		}
		off += len(line)
	}
	return out
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// outsideFences returns the lines of text that are not inside a fenced code block, with their
// 1-based numbers.
func outsideFences(text string) map[int]string {
	out := map[int]string{}
	in := false
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			in = !in
			continue
		}
		if !in {
			out[i+1] = line
		}
	}
	return out
}

var (
	headingRE    = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	mdLinkTextRE = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	htmlAnchorRE = regexp.MustCompile(`<a\s+(?:name|id)="([^"]+)"`)
)

// anchors returns the anchors GitHub makes for the headings of a Markdown text (and explicit
// <a name|id> anchors).
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	lines := outsideFences(text)
	for i := 1; i <= len(strings.Split(text, "\n")); i++ {
		line, ok := lines[i]
		if !ok {
			continue
		}
		for _, m := range htmlAnchorRE.FindAllStringSubmatch(line, -1) {
			out[m[1]] = true
		}
		m := headingRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		s := slug(m[2])
		if n := seen[s]; n > 0 {
			out[s+"-"+strconv.Itoa(n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

// slug is GitHub's anchor for a heading: the text of the heading (links' text, no Markdown marks)
// lowercased, every character that is not a letter, a digit, '_', '-' or a space dropped, spaces
// turned into '-'.
func slug(heading string) string {
	heading = mdLinkTextRE.ReplaceAllString(heading, "$1")
	var sb strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '_', r == '-':
			sb.WriteRune(r)
		case r == ' ':
			sb.WriteByte('-')
		}
	}
	return sb.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
