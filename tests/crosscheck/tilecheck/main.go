// tilecheck: a transparency-log client built on Go's golang.org/x/mod/sumdb (note and tlog),
// an implementation we did not write, following a `backstop serve --http` log the way any
// tlog-tiles client would.
//
// Usage: tilecheck URL VKEY
//
//   - GET URL/checkpoint and open it with VKEY (note.NewVerifier form);
//   - read the tree through tlog.TileHashReader, whose tiles are fetched from URL/tile/...
//     (C2SP tlog-tiles paths) and authenticated against the checkpoint's root by tlog itself;
//   - check tlog.TreeHash(size) equals the root, prove and check the inclusion of every 97th
//     record and of the last one with tlog.ProveRecord / tlog.CheckRecord;
//   - GET every entry bundle and check tlog.RecordHash of each entry against the level-0 tile.
//
// Prints "ok tree N" and exits 0 when everything checks; the reason on stderr and exit 1.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tilecheck URL VKEY")
		os.Exit(2)
	}
	if err := run(strings.TrimSuffix(os.Args[1], "/"), os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "tilecheck:", err)
		os.Exit(1)
	}
}

func get(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<24))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}

// indexPath encodes N as C2SP tlog-tiles does: 3-digit groups, all but the last prefixed "x".
func indexPath(n int64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/", n%1000) + s
	}
	return s
}

func tilePath(t tlog.Tile, entries bool) string {
	p := "tile/" + strconv.Itoa(t.L) + "/" + indexPath(t.N)
	if entries {
		p = "tile/entries/" + indexPath(t.N)
	}
	if t.W != 1<<tileHeight {
		p += ".p/" + strconv.Itoa(t.W)
	}
	return p
}

type tileReader struct{ url string }

func (r tileReader) Height() int { return tileHeight }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := get(r.url + "/" + tilePath(t, false))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func openCheckpoint(msg []byte, vkey string) (tlog.Tree, error) {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return tlog.Tree{}, err
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return tlog.Tree{}, fmt.Errorf("checkpoint body too short")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("checkpoint size: %v", err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return tlog.Tree{}, fmt.Errorf("checkpoint root %q", lines[2])
	}
	var tree tlog.Tree
	tree.N = size
	copy(tree.Hash[:], root)
	return tree, nil
}

func run(url, vkey string) error {
	msg, err := get(url + "/checkpoint")
	if err != nil {
		return err
	}
	tree, err := openCheckpoint(msg, vkey)
	if err != nil {
		return err
	}
	hashes := tlog.TileHashReader(tree, tileReader{url})
	root, err := tlog.TreeHash(tree.N, hashes)
	if err != nil {
		return fmt.Errorf("tree hash from tiles: %v", err)
	}
	if root != tree.Hash {
		return fmt.Errorf("tiles give root %v, the checkpoint says %v", root, tree.Hash)
	}
	for n := int64(0); n < tree.N; n += 97 {
		if err := checkRecord(n, tree, hashes); err != nil {
			return err
		}
	}
	if err := checkRecord(tree.N-1, tree, hashes); err != nil {
		return err
	}
	if err := checkEntries(url, tree, hashes); err != nil {
		return err
	}
	fmt.Printf("ok tree %d\n", tree.N)
	return nil
}

func checkRecord(n int64, tree tlog.Tree, hashes tlog.HashReader) error {
	proof, err := tlog.ProveRecord(tree.N, n, hashes)
	if err != nil {
		return fmt.Errorf("prove record %d: %v", n, err)
	}
	leaf, err := hashes.ReadHashes([]int64{tlog.StoredHashIndex(0, n)})
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(proof, tree.N, tree.Hash, n, leaf[0]); err != nil {
		return fmt.Errorf("check record %d: %v", n, err)
	}
	return nil
}

// Every entry bundle's entries hash to the level-0 tile's leaf hashes.
func checkEntries(url string, tree tlog.Tree, hashes tlog.HashReader) error {
	for n := int64(0); n*(1<<tileHeight) < tree.N; n++ {
		w := tree.N - n*(1<<tileHeight)
		if w > 1<<tileHeight {
			w = 1 << tileHeight
		}
		bundle, err := get(url + "/" + tilePath(tlog.Tile{H: tileHeight, L: 0, N: n, W: int(w)}, true))
		if err != nil {
			return err
		}
		for i := int64(0); i < w; i++ {
			if len(bundle) < 2 {
				return fmt.Errorf("entry bundle %d is short", n)
			}
			size := int(bundle[0])<<8 | int(bundle[1])
			if len(bundle) < 2+size {
				return fmt.Errorf("entry bundle %d is short", n)
			}
			entry := bundle[2 : 2+size]
			bundle = bundle[2+size:]
			leaf, err := hashes.ReadHashes([]int64{tlog.StoredHashIndex(0, n*(1<<tileHeight)+i)})
			if err != nil {
				return err
			}
			if tlog.RecordHash(entry) != leaf[0] {
				return fmt.Errorf("entry %d does not hash to its leaf", n*(1<<tileHeight)+i)
			}
		}
		if !bytes.Equal(bundle, nil) && len(bundle) != 0 {
			return fmt.Errorf("entry bundle %d has trailing bytes", n)
		}
	}
	return nil
}
