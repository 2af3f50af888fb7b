// tlogcheck checks backstop's signed checkpoints and Merkle proofs with Go's sumdb code
// (golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog), an implementation that shares
// no code with backstop's.
//
// Usage (flags go anywhere; -origin O requires every checkpoint's origin line to be O):
//
//	tlogcheck checkpoint [-origin O] VKEY CHECKPOINT_FILE
//	    -> ok origin=<origin> size=<n> root=<hex>
//	tlogcheck inclusion [-origin O] VKEY PROOF_FILE RECORD_HASH_HEX
//	    -> ok index=<i> size=<n>
//	tlogcheck consistency [-origin O] VKEY OLD_CHECKPOINT NEW_CHECKPOINT PROOF_FILE
//	    -> ok old=<n> new=<m>
//	tlogcheck selftest-fixtures DIR   (writes a signed test tree's files; see selftest.sh)
//
// VKEY is a note verifier key NAME+HASH+BASE64 (BASE64 = base64(0x01 || Ed25519 public key),
// HASH = hex of the first 4 bytes of SHA-256(NAME || "\n" || 0x01 || public key)), or @FILE
// to read it from FILE. consistency also requires both checkpoints to have the same origin.
// Formats:
//   - checkpoint: a C2SP tlog-checkpoint signed note: origin line, decimal tree size, base64
//     root hash, optional extension lines; a blank line; "— NAME base64(keyhash || sig)" lines.
//   - inclusion proof: a C2SP tlog-proof: "c2sp.org/tlog-proof@v1", optional "extra BASE64",
//     "index N" (0-based), base64 hash lines, one empty line, then the checkpoint verbatim.
//     The leaf is SHA-256(0x00 || record hash) = tlog.RecordHash(record hash).
//   - consistency proof: "backstop/consistency-proof@v1", "old N", "new M", base64 hash lines
//     (the RFC 6962 proof that tlog.ProveTree makes and tlog.CheckTree takes).
//
// Prints "ok ..." and exits 0 when the check passes; prints the reason on stderr and exits 1
// otherwise (usage errors included). Builds with no network (Debian's golang-go and
// golang-golang-x-mod-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o tlogcheck tests/crosscheck/tlogcheck/main.go
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	proofHeader       = "c2sp.org/tlog-proof@v1"
	consistencyHeader = "backstop/consistency-proof@v1"
	// Limits on untrusted input: files are small text; a proof of a tree of at most 2^63
	// records has at most 63 (inclusion) or 126 (consistency) hashes.
	maxFileBytes   = 1 << 20
	maxProofHashes = 128
)

// checkpoint is the parsed body of a verified C2SP checkpoint.
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func main() {
	args, origin, err := extractOrigin(os.Args[1:])
	if err == nil {
		err = run(args, origin)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "tlogcheck: %v\n", err)
		os.Exit(1)
	}
}

// extractOrigin removes "-origin O", "--origin O" and "-origin=O" from args.
func extractOrigin(args []string) ([]string, string, error) {
	var rest []string
	origin := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-origin" || a == "--origin":
			if i+1 >= len(args) {
				return nil, "", fmt.Errorf("%s needs a value", a)
			}
			origin = args[i+1]
			i++
		case strings.HasPrefix(a, "-origin=") || strings.HasPrefix(a, "--origin="):
			origin = a[strings.IndexByte(a, '=')+1:]
		default:
			rest = append(rest, a)
		}
	}
	return rest, origin, nil
}

func usageError() error {
	return fmt.Errorf("usage: tlogcheck checkpoint|inclusion|consistency|selftest-fixtures ... " +
		"(see the comment at the top of main.go)")
}

func run(args []string, origin string) error {
	if len(args) < 1 {
		return usageError()
	}
	switch cmd, rest := args[0], args[1:]; {
	case cmd == "checkpoint" && len(rest) == 2:
		return runCheckpoint(rest[0], rest[1], origin)
	case cmd == "inclusion" && len(rest) == 3:
		return runInclusion(rest[0], rest[1], rest[2], origin)
	case cmd == "consistency" && len(rest) == 4:
		return runConsistency(rest[0], rest[1], rest[2], rest[3], origin)
	case cmd == "selftest-fixtures" && len(rest) == 1:
		return writeFixtures(rest[0])
	}
	return usageError()
}

func runCheckpoint(vkey, path, origin string) error {
	c, err := readCheckpoint(vkey, path, origin)
	if err != nil {
		return err
	}
	fmt.Printf("ok origin=%s size=%d root=%s\n", c.origin, c.size, hex.EncodeToString(c.root[:]))
	return nil
}

func runInclusion(vkey, path, recordHashHex, origin string) error {
	recordHash, err := hex.DecodeString(recordHashHex)
	if err != nil || len(recordHash) != 32 {
		return fmt.Errorf("record hash %q: want 64 hex digits", recordHashHex)
	}
	data, err := readSmallFile(path)
	if err != nil {
		return err
	}
	index, proof, signedNote, err := parseInclusionProof(data)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	c, err := openCheckpoint(vkey, signedNote, origin)
	if err != nil {
		return fmt.Errorf("%s: checkpoint: %v", path, err)
	}
	if index >= c.size {
		return fmt.Errorf("%s: index %d is not below the tree size %d", path, index, c.size)
	}
	leaf := tlog.RecordHash(recordHash)
	if err := tlog.CheckRecord(proof, c.size, c.root, index, leaf); err != nil {
		return fmt.Errorf("%s: inclusion of record hash %s at index %d in tree size %d: %v",
			path, recordHashHex, index, c.size, err)
	}
	fmt.Printf("ok index=%d size=%d\n", index, c.size)
	return nil
}

func runConsistency(vkey, oldPath, newPath, proofPath, origin string) error {
	older, err := readCheckpoint(vkey, oldPath, origin)
	if err != nil {
		return err
	}
	newer, err := readCheckpoint(vkey, newPath, origin)
	if err != nil {
		return err
	}
	if older.origin != newer.origin {
		return fmt.Errorf("origins differ: %q (%s) and %q (%s)",
			older.origin, oldPath, newer.origin, newPath)
	}
	data, err := readSmallFile(proofPath)
	if err != nil {
		return err
	}
	oldSize, newSize, proof, err := parseConsistencyProof(data)
	if err != nil {
		return fmt.Errorf("%s: %v", proofPath, err)
	}
	if oldSize != older.size || newSize != newer.size {
		return fmt.Errorf("%s proves %d -> %d but the checkpoints have sizes %d and %d",
			proofPath, oldSize, newSize, older.size, newer.size)
	}
	if oldSize > newSize {
		return fmt.Errorf("%s: old size %d exceeds new size %d", proofPath, oldSize, newSize)
	}
	if oldSize == 0 {
		// Every tree extends the empty one (tlog.CheckTree takes no empty tree): the proof
		// must be empty and the old root the hash of the empty string (RFC 6962).
		if len(proof) != 0 || older.root != tlog.Hash(sha256.Sum256(nil)) {
			return fmt.Errorf("%s: old tree is empty: want no hashes and SHA-256(\"\") root",
				proofPath)
		}
	} else if err := tlog.CheckTree(proof, newSize, newer.root, oldSize, older.root); err != nil {
		return fmt.Errorf("%s: consistency %d -> %d: %v", proofPath, oldSize, newSize, err)
	}
	fmt.Printf("ok old=%d new=%d\n", oldSize, newSize)
	return nil
}

func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data := make([]byte, maxFileBytes+1)
	n := 0
	for n < len(data) {
		m, err := f.Read(data[n:])
		n += m
		if err != nil {
			break
		}
	}
	if n > maxFileBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFileBytes)
	}
	return data[:n], nil
}

func readCheckpoint(vkey, path, origin string) (checkpoint, error) {
	data, err := readSmallFile(path)
	if err != nil {
		return checkpoint{}, err
	}
	c, err := openCheckpoint(vkey, data, origin)
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s: %v", path, err)
	}
	return c, nil
}

// openCheckpoint verifies the signed note `msg` with the key `vkey` and parses its body.
func openCheckpoint(vkey string, msg []byte, origin string) (checkpoint, error) {
	if strings.HasPrefix(vkey, "@") {
		data, err := readSmallFile(vkey[1:])
		if err != nil {
			return checkpoint{}, err
		}
		vkey = strings.TrimSpace(string(data))
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return checkpoint{}, fmt.Errorf("verifier key: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return checkpoint{}, fmt.Errorf("signed note (key %s): %v", verifier.Name(), err)
	}
	c, err := parseCheckpointBody(n.Text)
	if err != nil {
		return checkpoint{}, err
	}
	if origin != "" && c.origin != origin {
		return checkpoint{}, fmt.Errorf("origin %q, want %q", c.origin, origin)
	}
	return c, nil
}

// parseCheckpointBody parses a C2SP checkpoint body (note.Open guarantees the final newline).
func parseCheckpointBody(text string) (checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return checkpoint{}, fmt.Errorf("checkpoint body has %d lines, want origin, size, root",
			len(lines))
	}
	var c checkpoint
	c.origin = lines[0]
	if c.origin == "" {
		return checkpoint{}, fmt.Errorf("checkpoint origin line is empty")
	}
	size, err := parseDecimal(lines[1])
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint size: %v", err)
	}
	c.size = size
	if c.root, err = parseHash(lines[2]); err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint root: %v", err)
	}
	for i, extension := range lines[3:] {
		if extension == "" {
			return checkpoint{}, fmt.Errorf("checkpoint extension line %d is empty", i+1)
		}
	}
	return c, nil
}

// parseDecimal parses a non-negative int64 in canonical decimal (no sign, no leading zeros).
func parseDecimal(s string) (int64, error) {
	if s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%q is not a canonical decimal", s)
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not a canonical decimal", s)
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %v", s, err)
	}
	return v, nil
}

// parseHash decodes a 32-byte hash in canonical padded standard base64.
func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != len(h) || base64.StdEncoding.EncodeToString(b) != s {
		return h, fmt.Errorf("%q is not a base64 32-byte hash", s)
	}
	copy(h[:], b)
	return h, nil
}

// parseInclusionProof splits a C2SP tlog-proof into its index, hashes and checkpoint note.
func parseInclusionProof(data []byte) (int64, tlog.RecordProof, []byte, error) {
	split := bytes.Index(data, []byte("\n\n"))
	if split < 0 {
		return 0, nil, nil, fmt.Errorf("no empty line before the checkpoint")
	}
	lines := strings.Split(string(data[:split]), "\n")
	signedNote := data[split+2:]
	if lines[0] != proofHeader {
		return 0, nil, nil, fmt.Errorf("first line %q, want %q", lines[0], proofHeader)
	}
	k := 1
	if k < len(lines) && strings.HasPrefix(lines[k], "extra ") {
		extra := lines[k][len("extra "):]
		b, err := base64.StdEncoding.Strict().DecodeString(extra)
		if err != nil || base64.StdEncoding.EncodeToString(b) != extra {
			return 0, nil, nil, fmt.Errorf("extra line: %q is not base64", extra)
		}
		k++
	}
	if k >= len(lines) || !strings.HasPrefix(lines[k], "index ") {
		return 0, nil, nil, fmt.Errorf("line %d: want \"index N\"", k+1)
	}
	index, err := parseDecimal(lines[k][len("index "):])
	if err != nil {
		return 0, nil, nil, fmt.Errorf("index: %v", err)
	}
	proof, err := parseHashLines(lines[k+1:])
	if err != nil {
		return 0, nil, nil, err
	}
	return index, proof, signedNote, nil
}

// parseConsistencyProof parses backstop/consistency-proof@v1 (a final newline is optional).
func parseConsistencyProof(data []byte) (int64, int64, tlog.TreeProof, error) {
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if lines[0] != consistencyHeader {
		return 0, 0, nil, fmt.Errorf("first line %q, want %q", lines[0], consistencyHeader)
	}
	if len(lines) < 3 || !strings.HasPrefix(lines[1], "old ") ||
		!strings.HasPrefix(lines[2], "new ") {
		return 0, 0, nil, fmt.Errorf("want \"old N\" and \"new M\" on lines 2 and 3")
	}
	oldSize, err := parseDecimal(lines[1][len("old "):])
	if err != nil {
		return 0, 0, nil, fmt.Errorf("old: %v", err)
	}
	newSize, err := parseDecimal(lines[2][len("new "):])
	if err != nil {
		return 0, 0, nil, fmt.Errorf("new: %v", err)
	}
	proof, err := parseHashLines(lines[3:])
	if err != nil {
		return 0, 0, nil, err
	}
	return oldSize, newSize, proof, nil
}

func parseHashLines(lines []string) ([]tlog.Hash, error) {
	if len(lines) > maxProofHashes {
		return nil, fmt.Errorf("%d proof hashes, more than %d", len(lines), maxProofHashes)
	}
	hashes := make([]tlog.Hash, 0, len(lines))
	for i, line := range lines {
		h, err := parseHash(line)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d: %v", i+1, err)
		}
		hashes = append(hashes, h)
	}
	return hashes, nil
}

// ---- selftest-fixtures: a signed tree built with tlog alone, in the formats above ----

const (
	fixtureOrigin   = "example.com/backstop/tlogcheck-selftest"
	fixtureKeyName  = "backstop-tlogcheck-selftest"
	fixtureLeaves   = 300
	fixtureOldSize  = 137
	fixtureIndexNew = 200 // Proved in the new tree.
	fixtureIndexOld = 0   // Proved in the old tree, with an extra line.
)

// rfc6962Root is RFC 6962's MTH over leaves SHA-256(0x00 || recordHash), written out
// independently of tlog so the fixtures also check that tlog's tree is RFC 6962's.
func rfc6962Root(recordHashes [][]byte) tlog.Hash {
	if len(recordHashes) == 0 {
		return sha256.Sum256(nil)
	}
	if len(recordHashes) == 1 {
		return sha256.Sum256(append([]byte{0x00}, recordHashes[0]...))
	}
	k := 1
	for k*2 < len(recordHashes) {
		k *= 2
	}
	left, right := rfc6962Root(recordHashes[:k]), rfc6962Root(recordHashes[k:])
	return sha256.Sum256(append(append([]byte{0x01}, left[:]...), right[:]...))
}

func writeFixtures(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	recordHashes := make([][]byte, fixtureLeaves)
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("stored hash %d not written yet", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	for n := range recordHashes {
		recordHashes[n] = make([]byte, 32)
		if _, err := rand.Read(recordHashes[n]); err != nil {
			return err
		}
		hashes, err := tlog.StoredHashes(int64(n), recordHashes[n], reader)
		if err != nil {
			return err
		}
		stored = append(stored, hashes...)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, fixtureKeyName)
	if err != nil {
		return err
	}
	_, otherVkey, err := note.GenerateKey(rand.Reader, fixtureKeyName)
	if err != nil {
		return err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return err
	}
	signCheckpoint := func(size int64, extension string) ([]byte, error) {
		root, err := tlog.TreeHash(size, reader)
		if err != nil {
			return nil, err
		}
		if root != rfc6962Root(recordHashes[:size]) {
			return nil, fmt.Errorf("tlog.TreeHash(%d) differs from the RFC 6962 root", size)
		}
		body := fmt.Sprintf("%s\n%d\n%s\n%s", fixtureOrigin, size,
			base64.StdEncoding.EncodeToString(root[:]), extension)
		return note.Sign(&note.Note{Text: body}, signer)
	}
	oldNote, err := signCheckpoint(fixtureOldSize, "")
	if err != nil {
		return err
	}
	newNote, err := signCheckpoint(fixtureLeaves, "selftest-extension-line\n")
	if err != nil {
		return err
	}
	inclusionProof := func(size, index int64, extra string, signedNote []byte) ([]byte, error) {
		proof, err := tlog.ProveRecord(size, index, reader)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		b.WriteString(proofHeader + "\n")
		if extra != "" {
			b.WriteString("extra " + base64.StdEncoding.EncodeToString([]byte(extra)) + "\n")
		}
		fmt.Fprintf(&b, "index %d\n", index)
		writeHashLines(&b, proof)
		b.WriteString("\n")
		b.Write(signedNote)
		return b.Bytes(), nil
	}
	newProof, err := inclusionProof(fixtureLeaves, fixtureIndexNew, "", newNote)
	if err != nil {
		return err
	}
	oldProof, err := inclusionProof(fixtureOldSize, fixtureIndexOld, "selftest extra", oldNote)
	if err != nil {
		return err
	}
	treeProof, err := tlog.ProveTree(fixtureLeaves, fixtureOldSize, reader)
	if err != nil {
		return err
	}
	var consistency bytes.Buffer
	fmt.Fprintf(&consistency, "%s\nold %d\nnew %d\n", consistencyHeader, fixtureOldSize,
		fixtureLeaves)
	writeHashLines(&consistency, treeProof)
	sameSize := fmt.Sprintf("%s\nold %d\nnew %d\n", consistencyHeader, fixtureLeaves,
		fixtureLeaves)

	files := map[string][]byte{
		"vkey":                   []byte(vkey + "\n"),
		"other.vkey":             []byte(otherVkey + "\n"),
		"origin":                 []byte(fixtureOrigin + "\n"),
		"old.checkpoint":         oldNote,
		"new.checkpoint":         newNote,
		"inclusion.proof":        newProof,
		"inclusion.hash":         []byte(hex.EncodeToString(recordHashes[fixtureIndexNew]) + "\n"),
		"inclusion-extra.proof":  oldProof,
		"inclusion-extra.hash":   []byte(hex.EncodeToString(recordHashes[fixtureIndexOld]) + "\n"),
		"consistency.proof":      consistency.Bytes(),
		"consistency-same.proof": []byte(sameSize),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("ok fixtures=%s leaves=%d old=%d\n", dir, fixtureLeaves, fixtureOldSize)
	return nil
}

func writeHashLines(b *bytes.Buffer, hashes []tlog.Hash) {
	for _, h := range hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
}
