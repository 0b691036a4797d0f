// tlogcheck verifies zwgk's audit log with Go's own transparency-log code (golang.org/x/mod/sumdb/note
// and sumdb/tlog), an implementation independent of zwgk's:
//
//	tlogcheck note VERIFIER-KEY NOTE-FILE   opens a signed note, prints its text
//	tlogcheck tiles VERIFIER-KEY DIR        a static C2SP tlog-tiles copy: the checkpoint's signature,
//	                                        the root from the hash tiles, every entry's inclusion
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func open(vkey string, msg []byte) *note.Note {
	verifier, err := note.NewVerifier(vkey)
	check(err)
	n, err := note.Open(msg, note.VerifierList(verifier))
	check(err)
	return n
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		os.Exit(1)
	}
}

// dirTiles reads C2SP tiles (tile/L/N) from a directory; Go names them tile/8/L/N.
type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return 8 }

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
		b, err := os.ReadFile(filepath.Join(d.dir, path))
		if err != nil {
			return nil, err
		}
		data[i] = b
	}
	return data, nil
}

func (d dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func main() {
	switch os.Args[1] {
	case "note":
		msg, err := os.ReadFile(os.Args[3])
		check(err)
		fmt.Print(open(os.Args[2], msg).Text)
	case "tiles":
		dir := os.Args[3]
		msg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
		check(err)
		lines := strings.Split(open(os.Args[2], msg).Text, "\n")
		size, err := strconv.ParseInt(lines[1], 10, 64)
		check(err)
		raw, err := base64.StdEncoding.DecodeString(lines[2])
		check(err)
		var root tlog.Hash
		copy(root[:], raw)
		reader := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, dirTiles{dir})
		computed, err := tlog.TreeHash(size, reader)
		check(err)
		if computed != root {
			check(fmt.Errorf("root from the tiles %v differs from the checkpoint's %v", computed, root))
		}
		var index int64
		for index < size {
			bundle := tlog.Tile{H: 8, L: 0, N: index / 256, W: int(min(256, size-index/256*256))}
			path := "tile/entries/" + strings.TrimPrefix(bundle.Path(), "tile/8/0/")
			b, err := os.ReadFile(filepath.Join(dir, path))
			check(err)
			for len(b) > 0 {
				n := int(binary.BigEndian.Uint16(b))
				entry := b[2 : 2+n]
				b = b[2+n:]
				proof, err := tlog.ProveRecord(size, index, reader)
				check(err)
				check(tlog.CheckRecord(proof, size, root, index, tlog.RecordHash(entry)))
				if bytes.Contains(entry, []byte("\n")) {
					check(fmt.Errorf("entry %d holds a newline", index))
				}
				index++
			}
		}
		fmt.Printf("ok %d %s\n", size, root)
	}
}

func min(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}
