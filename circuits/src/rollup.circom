pragma circom 2.1.0;

include "poseidon.circom";
include "bitify.circom";
include "comparators.circom";
include "eddsaposeidon.circom";
include "sha256/sha256.circom";
include "float.circom";
include "quadtree.circom";

// The ZK rollup's batch circuit. Protocol reference: docs/zk-rollup.md; the TypeScript twin of
// every template here is operator/zk/batch.ts, and tests compare the two.
//
// State: a 4-ary Poseidon tree of accounts (quadtree.circom). An account's leaf is
//   Poseidon(token + nonce * 2^32, balance, ax, ay)
// with token < 2^32, nonce < 2^40, balance < 2^128 and (ax, ay) its BabyJubJub public key.
// Index 0 is never an account: a transaction slot with from = 0 is a no-op.

// AccountLeaf(): the leaf hash of an account.
template AccountLeaf() {
    signal input token;
    signal input nonce;
    signal input balance;
    signal input ax;
    signal input ay;
    signal output out;
    out <== Poseidon(4)([token + nonce * (1 << 32), balance, ax, ay]);
}

// BigEndianBytes(n, width): the `width` low bits of a number given as n bits (low first), as the
// MSB-first bit string of width / 8 bytes that SHA-256 reads. Bits above n are zero.
template BigEndianBits(n, width) {
    signal input bits[n];
    signal output out[width];
    for (var m = 0; m < width; m++) {
        var k = width - 1 - m;
        if (k < n) {
            out[m] <== bits[k];
        } else {
            out[m] <== 0;
        }
    }
}

// SignedDebit(levels, F): the half every transaction shares. Checks the EdDSA-Poseidon signature
// over
//   Poseidon(domain, from + to * 2^32 + token * 2^64, amountPacked + feePacked * 2^40 + nonce * 2^48)
// then debits amount + fee from the sender and bumps its nonce. from = 0 is a no-op: nothing is
// checked or changed, and every field must be zero (so its pubdata is zero). The fee goes to the
// fee slot whose token matches (feeOut); a fee with no matching slot fails.
template SignedDebit(levels, F) {
    var IB = (2 * levels + 7) \ 8 * 8; // index width in pubdata, whole bytes

    signal input rootIn;
    signal input domain;
    signal input feeTokens[F];
    signal input fromIdx;
    signal input toIdx;
    signal input token;
    signal input nonce;
    signal input amountPacked;
    signal input feePacked;
    signal input sigR8x;
    signal input sigR8y;
    signal input sigS;
    // The sender (its token and nonce are the transaction's, which membership proves).
    signal input balance;
    signal input ax;
    signal input ay;
    signal input siblings[levels][4];

    signal output enabled;
    signal output rootOut;
    signal output amount;
    signal output feeOut[F];
    signal output fromBytes[IB];
    signal output amountBytes[40];
    signal output feeBytes[8];

    component fromBits = Num2Bits(2 * levels);
    fromBits.in <== fromIdx;
    component tokenBits = Num2Bits(32);
    tokenBits.in <== token;
    component nonceBits = Num2Bits(40);
    nonceBits.in <== nonce;

    signal isNoop <== IsZero()(fromIdx);
    enabled <== 1 - isNoop;
    // A no-op carries nothing.
    isNoop * toIdx === 0;
    isNoop * amountPacked === 0;
    isNoop * feePacked === 0;

    component amountFloat = FloatDecode(5, 35);
    amountFloat.in <== amountPacked;
    amount <== amountFloat.out;
    component feeFloat = FloatDecode(5, 3);
    feeFloat.in <== feePacked;

    signal message <== Poseidon(3)([
        domain,
        fromIdx + toIdx * (1 << 32) + token * (1 << 64),
        amountPacked + feePacked * (1 << 40) + nonce * (1 << 48)
    ]);
    component sig = EdDSAPoseidonVerifier();
    sig.enabled <== enabled;
    sig.Ax <== ax;
    sig.Ay <== ay;
    sig.S <== sigS;
    sig.R8x <== sigR8x;
    sig.R8y <== sigR8y;
    sig.M <== message;

    signal senderLeaf <== AccountLeaf()(token, nonce, balance, ax, ay);
    signal senderRoot <== QuadMerkleRoot(levels)(senderLeaf, fromBits.out, siblings);
    (senderRoot - rootIn) * enabled === 0;
    signal senderBalance <== balance - amountFloat.out - feeFloat.out;
    // INVARIANT: no overdraft: the new balance is a 128-bit number.
    component senderBalanceBits = Num2Bits(128);
    senderBalanceBits.in <== senderBalance * enabled;
    signal senderLeafAfter <== AccountLeaf()(token, nonce + 1, senderBalance, ax, ay);
    signal rootAfter <== QuadMerkleRoot(levels)(senderLeafAfter, fromBits.out, siblings);
    rootOut <== rootIn + enabled * (rootAfter - rootIn);

    signal feeEnabled <== feeFloat.out * enabled;
    signal same[F];
    signal matches[F + 1];
    matches[0] <== 0;
    for (var j = 0; j < F; j++) {
        same[j] <== IsEqual()([token, feeTokens[j]]);
        feeOut[j] <== feeEnabled * same[j];
        matches[j + 1] <== matches[j] + same[j];
    }
    // INVARIANT: a fee is only ever paid into a fee account of its token.
    feeEnabled * (1 - matches[F]) === 0;

    fromBytes <== BigEndianBits(2 * levels, IB)(fromBits.out);
    amountBytes <== BigEndianBits(40, 40)(amountFloat.bits);
    feeBytes <== BigEndianBits(8, 8)(feeFloat.bits);
}

// TransferSlot(levels, F): a signed transfer to an existing account of the same token, or a
// no-op. Pubdata: from, to (whole bytes each), amount (5 bytes), fee (1 byte).
template TransferSlot(levels, F) {
    var IB = (2 * levels + 7) \ 8 * 8;

    signal input rootIn;
    signal input domain;
    signal input feeTokens[F];
    signal input fromIdx;
    signal input toIdx;
    signal input token;
    signal input nonce;
    signal input amountPacked;
    signal input feePacked;
    signal input sigR8x;
    signal input sigR8y;
    signal input sigS;
    signal input balance;
    signal input ax;
    signal input ay;
    signal input senderSiblings[levels][4];
    // The receiver (its token is the transaction's, which membership proves).
    signal input rNonce;
    signal input rBalance;
    signal input rAx;
    signal input rAy;
    signal input receiverSiblings[levels][4];

    signal output rootOut;
    signal output feeOut[F];
    signal output pubdata[2 * IB + 48];

    component debit = SignedDebit(levels, F);
    debit.rootIn <== rootIn;
    debit.domain <== domain;
    debit.feeTokens <== feeTokens;
    debit.fromIdx <== fromIdx;
    debit.toIdx <== toIdx;
    debit.token <== token;
    debit.nonce <== nonce;
    debit.amountPacked <== amountPacked;
    debit.feePacked <== feePacked;
    debit.sigR8x <== sigR8x;
    debit.sigR8y <== sigR8y;
    debit.sigS <== sigS;
    debit.balance <== balance;
    debit.ax <== ax;
    debit.ay <== ay;
    debit.siblings <== senderSiblings;
    feeOut <== debit.feeOut;

    component toBits = Num2Bits(2 * levels);
    toBits.in <== toIdx;
    // INVARIANT: a transfer slot never withdraws: to = 0 only in a no-op.
    signal toZero <== IsZero()(toIdx);
    debit.enabled * toZero === 0;

    signal receiverLeaf <== AccountLeaf()(token, rNonce, rBalance, rAx, rAy);
    signal receiverRoot <== QuadMerkleRoot(levels)(receiverLeaf, toBits.out, receiverSiblings);
    (receiverRoot - debit.rootOut) * debit.enabled === 0;
    signal receiverBalance <== rBalance + debit.amount;
    // INVARIANT: no overflow: the receiver's new balance is a 128-bit number.
    component receiverBalanceBits = Num2Bits(128);
    receiverBalanceBits.in <== receiverBalance * debit.enabled;
    signal receiverLeafAfter <== AccountLeaf()(token, rNonce, receiverBalance, rAx, rAy);
    signal rootAfter <== QuadMerkleRoot(levels)(receiverLeafAfter, toBits.out, receiverSiblings);
    rootOut <== debit.rootOut + debit.enabled * (rootAfter - debit.rootOut);

    signal toBytes[IB] <== BigEndianBits(2 * levels, IB)(toBits.out);
    for (var m = 0; m < IB; m++) {
        pubdata[m] <== debit.fromBytes[m];
        pubdata[IB + m] <== toBytes[m];
    }
    for (var m = 0; m < 40; m++) pubdata[2 * IB + m] <== debit.amountBytes[m];
    for (var m = 0; m < 8; m++) pubdata[2 * IB + 40 + m] <== debit.feeBytes[m];
}

// WithdrawSlot(levels, F): a signed withdrawal (to = 0 in the signed message), paid on L1 to the
// sender account's registered owner, or a no-op. Pubdata: from (whole bytes), amount (5 bytes),
// fee (1 byte).
template WithdrawSlot(levels, F) {
    var IB = (2 * levels + 7) \ 8 * 8;

    signal input rootIn;
    signal input domain;
    signal input feeTokens[F];
    signal input fromIdx;
    signal input token;
    signal input nonce;
    signal input amountPacked;
    signal input feePacked;
    signal input sigR8x;
    signal input sigR8y;
    signal input sigS;
    signal input balance;
    signal input ax;
    signal input ay;
    signal input senderSiblings[levels][4];

    signal output rootOut;
    signal output feeOut[F];
    signal output pubdata[IB + 48];

    component debit = SignedDebit(levels, F);
    debit.rootIn <== rootIn;
    debit.domain <== domain;
    debit.feeTokens <== feeTokens;
    debit.fromIdx <== fromIdx;
    debit.toIdx <== 0;
    debit.token <== token;
    debit.nonce <== nonce;
    debit.amountPacked <== amountPacked;
    debit.feePacked <== feePacked;
    debit.sigR8x <== sigR8x;
    debit.sigR8y <== sigR8y;
    debit.sigS <== sigS;
    debit.balance <== balance;
    debit.ax <== ax;
    debit.ay <== ay;
    debit.siblings <== senderSiblings;
    feeOut <== debit.feeOut;
    rootOut <== debit.rootOut;

    for (var m = 0; m < IB; m++) pubdata[m] <== debit.fromBytes[m];
    for (var m = 0; m < 40; m++) pubdata[IB + m] <== debit.amountBytes[m];
    for (var m = 0; m < 8; m++) pubdata[IB + 40 + m] <== debit.feeBytes[m];
}

// DepositSlot(levels): one deposit from the L1 queue, taken in order (`active` slots form a
// prefix). Each deposit extends the queue's hash chain exactly as the contract does:
//   chain' = Poseidon(chain, toIdx + token * 2^32 + kind * 2^64, amount, ax, ay)
// kind 1 creates the account at toIdx (the contract assigned a fresh index); kind 0 credits an
// existing account of the same token. A deposit that cannot apply (create on a used index,
// credit to a missing account, another token, or a balance overflow) is a no-op with
// applied = 0, and the contract refunds it. It never makes the batch unprovable.
template DepositSlot(levels) {
    signal input rootIn;
    signal input chainIn;
    signal input active;
    signal input kind;
    signal input toIdx;
    signal input token;
    signal input amount;
    signal input ax;
    signal input ay;
    // The account at toIdx before the deposit: empty, or these fields.
    signal input wasEmpty;
    signal input oToken;
    signal input oNonce;
    signal input oBalance;
    signal input oAx;
    signal input oAy;
    signal input siblings[levels][4];

    signal output rootOut;
    signal output chainOut;
    signal output applied;

    active * (1 - active) === 0;
    kind * (1 - kind) === 0;
    wasEmpty * (1 - wasEmpty) === 0;
    // The contract guarantees these ranges for every queued deposit.
    component toBits = Num2Bits(2 * levels);
    toBits.in <== toIdx;
    component tokenBits = Num2Bits(32);
    tokenBits.in <== token;
    component amountBits = Num2Bits(128);
    amountBits.in <== amount;

    signal chainNext <== Poseidon(5)([chainIn, toIdx + token * (1 << 32) + kind * (1 << 64), amount, ax, ay]);
    chainOut <== chainIn + active * (chainNext - chainIn);

    // The account before: membership of its leaf (0 when empty).
    signal existingLeaf <== AccountLeaf()(oToken, oNonce, oBalance, oAx, oAy);
    signal oldLeaf <== existingLeaf * (1 - wasEmpty);
    signal oldRoot <== QuadMerkleRoot(levels)(oldLeaf, toBits.out, siblings);
    (oldRoot - rootIn) * active === 0;

    // Validity.
    signal sameToken <== IsEqual()([oToken, token]);
    signal fits <== LessThan(129)([oBalance + amount, 1 << 128]);
    signal creditOk <== (1 - wasEmpty) * sameToken;
    signal creditValid <== creditOk * fits;
    signal kindValid <== kind * (wasEmpty - creditValid) + creditValid;
    applied <== active * kindValid;

    signal createdLeaf <== AccountLeaf()(token, 0, amount, ax, ay);
    signal creditedLeaf <== AccountLeaf()(oToken, oNonce, oBalance + amount, oAx, oAy);
    signal newLeaf <== creditedLeaf + kind * (createdLeaf - creditedLeaf);
    signal newRoot <== QuadMerkleRoot(levels)(newLeaf, toBits.out, siblings);
    rootOut <== rootIn + applied * (newRoot - rootIn);
}

// FeeSlot(levels): credits the fees collected in the batch to the fee account `feeIdx`, whose
// token is `feeToken`. feeIdx = 0 means unused, and then nothing may have been collected for it.
template FeeSlot(levels) {
    signal input rootIn;
    signal input feeIdx;
    signal input feeToken;
    signal input collected;
    signal input nonce;
    signal input balance;
    signal input ax;
    signal input ay;
    signal input siblings[levels][4];
    signal output rootOut;
    signal output used;
    signal output idxBytes[(2 * levels + 7) \ 8 * 8];

    component bits = Num2Bits(2 * levels);
    bits.in <== feeIdx;
    idxBytes <== BigEndianBits(2 * levels, (2 * levels + 7) \ 8 * 8)(bits.out);
    signal unused <== IsZero()(feeIdx);
    used <== 1 - unused;
    collected * (1 - used) === 0;

    signal leaf <== AccountLeaf()(feeToken, nonce, balance, ax, ay);
    signal root <== QuadMerkleRoot(levels)(leaf, bits.out, siblings);
    (root - rootIn) * used === 0;
    signal newBalance <== balance + collected;
    component newBalanceBits = Num2Bits(128);
    newBalanceBits.in <== newBalance * used;
    signal newLeaf <== AccountLeaf()(feeToken, nonce, newBalance, ax, ay);
    signal newRoot <== QuadMerkleRoot(levels)(newLeaf, bits.out, siblings);
    rootOut <== rootIn + used * (newRoot - rootIn);
}

// Rollup(levels, T, W, D, F): a batch of D deposits, then T transfers, then W withdrawals, then
// F fee credits.
//
// One public input:
//   inputHash = Poseidon(oldRoot, newRoot, chainBefore, chainAfter, domain, sha256(pubdata) >> 3)
// where pubdata = T transfer records (TransferSlot) ++ W withdrawal records (WithdrawSlot) ++ the
// deposits' applied bits (bit i of a ceil(D/8)-byte big-endian number is deposit i) ++ the F fee
// account indices (whole bytes each). The contract recomputes inputHash from its stored root and
// chain, the calldata and its domain; it reads only the withdrawal records and the applied bits.
template Rollup(levels, T, W, D, F) {
    assert(levels >= 1 && levels <= 16);
    assert(T >= 1 && W >= 1 && D >= 1 && F >= 1);
    var IB = (2 * levels + 7) \ 8 * 8;
    var TRANSFER_BITS = 2 * IB + 48;
    var WITHDRAW_BITS = IB + 48;
    var DEPOSIT_BITS = (D + 7) \ 8 * 8;
    var WITHDRAW_AT = T * TRANSFER_BITS;
    var DEPOSIT_AT = WITHDRAW_AT + W * WITHDRAW_BITS;
    var FEE_AT = DEPOSIT_AT + DEPOSIT_BITS;
    var PUBDATA_BITS = FEE_AT + F * IB;

    signal input inputHash;

    signal input oldRoot;
    signal input chainBefore;
    signal input domain;
    signal input feeTokens[F];

    signal input depActive[D];
    signal input depKind[D];
    signal input depToIdx[D];
    signal input depToken[D];
    signal input depAmount[D];
    signal input depAx[D];
    signal input depAy[D];
    signal input depWasEmpty[D];
    signal input depOToken[D];
    signal input depONonce[D];
    signal input depOBalance[D];
    signal input depOAx[D];
    signal input depOAy[D];
    signal input depSiblings[D][levels][4];

    signal input txFrom[T];
    signal input txTo[T];
    signal input txToken[T];
    signal input txNonce[T];
    signal input txAmount[T];
    signal input txFee[T];
    signal input txR8x[T];
    signal input txR8y[T];
    signal input txS[T];
    signal input txBalance[T];
    signal input txAx[T];
    signal input txAy[T];
    signal input txSenderSiblings[T][levels][4];
    signal input txRNonce[T];
    signal input txRBalance[T];
    signal input txRAx[T];
    signal input txRAy[T];
    signal input txReceiverSiblings[T][levels][4];

    signal input wdFrom[W];
    signal input wdToken[W];
    signal input wdNonce[W];
    signal input wdAmount[W];
    signal input wdFee[W];
    signal input wdR8x[W];
    signal input wdR8y[W];
    signal input wdS[W];
    signal input wdBalance[W];
    signal input wdAx[W];
    signal input wdAy[W];
    signal input wdSiblings[W][levels][4];

    signal input feeIdx[F];
    signal input feeNonce[F];
    signal input feeBalance[F];
    signal input feeAx[F];
    signal input feeAy[F];
    signal input feeSiblings[F][levels][4];

    signal pubdata[PUBDATA_BITS];
    signal roots[D + T + W + F + 1];
    signal chains[D + 1];
    roots[0] <== oldRoot;
    chains[0] <== chainBefore;

    // Deposits.
    component deposits[D];
    for (var i = 0; i < D; i++) {
        if (i > 0) {
            // INVARIANT: deposits are consumed in queue order: active slots form a prefix.
            depActive[i] * (1 - depActive[i - 1]) === 0;
        }
        deposits[i] = DepositSlot(levels);
        deposits[i].rootIn <== roots[i];
        deposits[i].chainIn <== chains[i];
        deposits[i].active <== depActive[i];
        deposits[i].kind <== depKind[i];
        deposits[i].toIdx <== depToIdx[i];
        deposits[i].token <== depToken[i];
        deposits[i].amount <== depAmount[i];
        deposits[i].ax <== depAx[i];
        deposits[i].ay <== depAy[i];
        deposits[i].wasEmpty <== depWasEmpty[i];
        deposits[i].oToken <== depOToken[i];
        deposits[i].oNonce <== depONonce[i];
        deposits[i].oBalance <== depOBalance[i];
        deposits[i].oAx <== depOAx[i];
        deposits[i].oAy <== depOAy[i];
        deposits[i].siblings <== depSiblings[i];
        roots[i + 1] <== deposits[i].rootOut;
        chains[i + 1] <== deposits[i].chainOut;
    }

    // Transfers, then withdrawals; fees are summed per fee slot.
    signal collected[T + W + 1][F];
    for (var j = 0; j < F; j++) collected[0][j] <== 0;
    component transfers[T];
    for (var t = 0; t < T; t++) {
        transfers[t] = TransferSlot(levels, F);
        transfers[t].rootIn <== roots[D + t];
        transfers[t].domain <== domain;
        transfers[t].feeTokens <== feeTokens;
        transfers[t].fromIdx <== txFrom[t];
        transfers[t].toIdx <== txTo[t];
        transfers[t].token <== txToken[t];
        transfers[t].nonce <== txNonce[t];
        transfers[t].amountPacked <== txAmount[t];
        transfers[t].feePacked <== txFee[t];
        transfers[t].sigR8x <== txR8x[t];
        transfers[t].sigR8y <== txR8y[t];
        transfers[t].sigS <== txS[t];
        transfers[t].balance <== txBalance[t];
        transfers[t].ax <== txAx[t];
        transfers[t].ay <== txAy[t];
        transfers[t].senderSiblings <== txSenderSiblings[t];
        transfers[t].rNonce <== txRNonce[t];
        transfers[t].rBalance <== txRBalance[t];
        transfers[t].rAx <== txRAx[t];
        transfers[t].rAy <== txRAy[t];
        transfers[t].receiverSiblings <== txReceiverSiblings[t];
        roots[D + t + 1] <== transfers[t].rootOut;
        for (var j = 0; j < F; j++) collected[t + 1][j] <== collected[t][j] + transfers[t].feeOut[j];
        for (var m = 0; m < TRANSFER_BITS; m++) pubdata[t * TRANSFER_BITS + m] <== transfers[t].pubdata[m];
    }
    component withdrawals[W];
    for (var w = 0; w < W; w++) {
        withdrawals[w] = WithdrawSlot(levels, F);
        withdrawals[w].rootIn <== roots[D + T + w];
        withdrawals[w].domain <== domain;
        withdrawals[w].feeTokens <== feeTokens;
        withdrawals[w].fromIdx <== wdFrom[w];
        withdrawals[w].token <== wdToken[w];
        withdrawals[w].nonce <== wdNonce[w];
        withdrawals[w].amountPacked <== wdAmount[w];
        withdrawals[w].feePacked <== wdFee[w];
        withdrawals[w].sigR8x <== wdR8x[w];
        withdrawals[w].sigR8y <== wdR8y[w];
        withdrawals[w].sigS <== wdS[w];
        withdrawals[w].balance <== wdBalance[w];
        withdrawals[w].ax <== wdAx[w];
        withdrawals[w].ay <== wdAy[w];
        withdrawals[w].senderSiblings <== wdSiblings[w];
        roots[D + T + w + 1] <== withdrawals[w].rootOut;
        for (var j = 0; j < F; j++) collected[T + w + 1][j] <== collected[T + w][j] + withdrawals[w].feeOut[j];
        for (var m = 0; m < WITHDRAW_BITS; m++) pubdata[WITHDRAW_AT + w * WITHDRAW_BITS + m] <== withdrawals[w].pubdata[m];
    }

    // Fees. INVARIANT: used fee slots have distinct tokens, so no fee is credited twice.
    component fees[F];
    for (var j = 0; j < F; j++) {
        fees[j] = FeeSlot(levels);
        fees[j].rootIn <== roots[D + T + W + j];
        fees[j].feeIdx <== feeIdx[j];
        fees[j].feeToken <== feeTokens[j];
        fees[j].collected <== collected[T + W][j];
        fees[j].nonce <== feeNonce[j];
        fees[j].balance <== feeBalance[j];
        fees[j].ax <== feeAx[j];
        fees[j].ay <== feeAy[j];
        fees[j].siblings <== feeSiblings[j];
        roots[D + T + W + j + 1] <== fees[j].rootOut;
        for (var m = 0; m < IB; m++) pubdata[FEE_AT + j * IB + m] <== fees[j].idxBytes[m];
    }
    var PAIRS = F * (F - 1) \ 2;
    signal pairUsed[PAIRS];
    signal pairSame[PAIRS];
    var pair = 0;
    for (var j = 0; j < F; j++) {
        for (var k = j + 1; k < F; k++) {
            pairUsed[pair] <== fees[j].used * fees[k].used;
            pairSame[pair] <== IsEqual()([feeTokens[j], feeTokens[k]]);
            pairUsed[pair] * pairSame[pair] === 0;
            pair++;
        }
    }

    // Deposit applied bits, as a big-endian number of DEPOSIT_BITS bits.
    for (var m = 0; m < DEPOSIT_BITS; m++) {
        var i = DEPOSIT_BITS - 1 - m;
        if (i < D) {
            pubdata[DEPOSIT_AT + m] <== deposits[i].applied;
        } else {
            pubdata[DEPOSIT_AT + m] <== 0;
        }
    }

    component sha = Sha256(PUBDATA_BITS);
    sha.in <== pubdata;
    var shaField = 0;
    for (var b = 0; b < 253; b++) shaField += sha.out[b] * (1 << (252 - b));

    signal expected <== Poseidon(6)([oldRoot, roots[D + T + W + F], chainBefore, chains[D], domain, shaField]);
    inputHash === expected;
}
