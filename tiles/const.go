package tiles

// Extent is the number of units across a tile (spec 2.1 default).
const Extent = 4096

// Buffer is the number of units around a tile that geometry is kept in,
// so that strokes at tile edges join up.
const Buffer = 64
