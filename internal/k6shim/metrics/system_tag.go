package metrics

// SystemTag is one of the tags that k6 itself adds to samples (proto, status, url, name, vu, ...),
// each a bit of a SystemTagSet.
type SystemTag uint32

// SystemTagSet is a bitmask of the enabled system tags (the systemTags option).
type SystemTagSet SystemTag

// The system tags, in k6's order (so with k6's values). The last four are not enabled by default.
const (
	TagProto SystemTag = 1 << iota
	TagSubproto
	TagStatus
	TagMethod
	TagURL
	TagName
	TagGroup
	TagCheck
	TagError
	TagErrorCode
	TagTLSVersion
	TagScenario
	TagService
	TagExpectedResponse
	TagIter
	TagVU
	TagOCSPStatus
	TagIP
)

// systemTagNames are the tag names of the system tags, bit by bit.
//
//nolint:gochecknoglobals // a lookup table, as in k6
var systemTagNames = []string{
	"proto", "subproto", "status", "method", "url", "name", "group", "check", "error", "error_code",
	"tls_version", "scenario", "service", "expected_response", "iter", "vu", "ocsp_status", "ip",
}

// DefaultSystemTagSet is the system tags enabled by default: all but iter, vu, ocsp_status and ip.
//
//nolint:gochecknoglobals // k6's API: an exported variable in k6
var DefaultSystemTagSet = SystemTagSet(
	TagProto | TagSubproto | TagStatus | TagMethod | TagURL | TagName | TagGroup |
		TagCheck | TagError | TagErrorCode | TagTLSVersion | TagScenario | TagService | TagExpectedResponse)

// NonIndexableSystemTags are the high-cardinality system tags, added as metadata instead of tags.
//
//nolint:gochecknoglobals // k6's API: an exported variable in k6
var NonIndexableSystemTags = SystemTagSet(TagIter | TagVU)

// String returns the tag's name, e.g. "url".
func (i SystemTag) String() string {
	for bit, name := range systemTagNames {
		if i == SystemTag(1)<<bit {
			return name
		}
	}
	return "SystemTag(" + uitoa(uint32(i)) + ")"
}

func uitoa(n uint32) string {
	if n == 0 {
		return "0"
	}
	var b [10]byte
	pos := len(b)
	for ; n > 0; n /= 10 {
		pos--
		b[pos] = byte('0' + n%10)
	}
	return string(b[pos:])
}

// Add adds tag to the set.
func (i *SystemTagSet) Add(tag SystemTag) {
	if i == nil {
		i = new(SystemTagSet) // k6 behaves so: adding to nil is lost
	}
	*i |= SystemTagSet(tag)
}

// Has reports whether tag is in the set; a nil set has no tag.
func (i *SystemTagSet) Has(tag SystemTag) bool {
	if i == nil {
		return false
	}
	return *i&SystemTagSet(tag) != 0
}

// NewSystemTagSet returns a set of tags.
func NewSystemTagSet(tags ...SystemTag) *SystemTagSet {
	ts := new(SystemTagSet)
	for _, tag := range tags {
		ts.Add(tag)
	}
	return ts
}
