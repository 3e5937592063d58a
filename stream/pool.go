package stream

import "sync"

// chunkSize is the size of the buffers a Reader reads into and a Writer
// queues in, before either needs more: small, so that an idle stream costs
// little, and the size of one socket read that a busy stream usually gets.
const chunkSize = 4 << 10

// chunks recycles chunkSize buffers between Readers and Writers, so that a
// stream holds one only while it has bytes in it.
var chunks = sync.Pool{New: func() any { return new([chunkSize]byte) }}

func getChunk() []byte { return chunks.Get().(*[chunkSize]byte)[:] }

// putChunk recycles b if it is one of the pool's buffers (by its capacity);
// a larger buffer, grown for a long record, is left to the garbage collector.
func putChunk(b []byte) {
	if cap(b) == chunkSize {
		chunks.Put((*[chunkSize]byte)(b[:chunkSize]))
	}
}
