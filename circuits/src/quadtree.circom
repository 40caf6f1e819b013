pragma circom 2.1.0;

include "poseidon.circom";

// QuadChildren(): places `node` in slot `pos` (two bits, low first) among four children; the
// other three come from `given`, whose own slot at `pos` is ignored.
// 5 constraints.
template QuadChildren() {
    signal input node;
    signal input pos[2];
    signal input given[4];
    signal output children[4];

    // One-hot selectors of the slot.
    signal both <== pos[0] * pos[1];
    var select[4];
    select[0] = 1 - pos[0] - pos[1] + both;
    select[1] = pos[0] - both;
    select[2] = pos[1] - both;
    select[3] = both;
    for (var j = 0; j < 4; j++) {
        children[j] <== given[j] + select[j] * (node - given[j]);
    }
}

// QuadMerkleRoot(levels): root of a sparse 4-ary Poseidon tree of `levels` levels in which `leaf`
// sits at the index whose bits (low first, two per level) are `pathBits`; the twin of
// operator/zk/state/tree.ts.
//
//   siblings[k]: the four children of the level-k node on the path; the path's slot is ignored.
//
// Caveat: pathBits are not constrained to be bits here; the caller must (it usually derives them
// from an index with Num2Bits, which does).
template QuadMerkleRoot(levels) {
    assert(levels >= 1 && levels <= 32);
    signal input leaf;
    signal input pathBits[2 * levels];
    signal input siblings[levels][4];
    signal output root;

    component place[levels];
    component hash[levels];
    signal nodes[levels + 1];
    nodes[0] <== leaf;
    for (var k = 0; k < levels; k++) {
        place[k] = QuadChildren();
        place[k].node <== nodes[k];
        place[k].pos[0] <== pathBits[2 * k];
        place[k].pos[1] <== pathBits[2 * k + 1];
        place[k].given <== siblings[k];
        hash[k] = Poseidon(4);
        hash[k].inputs <== place[k].children;
        nodes[k + 1] <== hash[k].out;
    }
    root <== nodes[levels];
}
