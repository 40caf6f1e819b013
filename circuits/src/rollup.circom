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

// AccountLeaf(): the leaf hash of an account, from its fields, each constrained to its range:
// token < 2^32, nonce < 2^40, balance < 2^128. Every leaf the circuit reads or writes goes through
// this template, so the packing token + nonce * 2^32 is injective wherever a leaf appears: no
// prover can read a leaf of one token as a leaf of another by choosing the nonce
// (nonce = (packed - W) / 2^32 mod p is not a 40-bit number), and no leaf is ever written with a
// field out of range. 201 constraints beyond the hash. (ax, ay) are hashed as whole field elements
// and need no range.
template AccountLeaf() {
    signal input token;
    signal input nonce;
    signal input balance;
    signal input ax;
    signal input ay;
    signal output out;
    component tokenBits = Num2Bits(32);
    tokenBits.in <== token;
    component nonceBits = Num2Bits(40);
    nonceBits.in <== nonce;
    component balanceBits = Num2Bits(128);
    balanceBits.in <== balance;
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
    // The sender (its token and nonce are the transaction's: membership of a range-checked
    // leaf proves them).
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

    // Ranges: from < 4^levels here; token < 2^32 and nonce < 2^40 by the sender's AccountLeaf,
    // which every slot computes (enabled or not). With them the message's packed fields below
    // are injective.
    component fromBits = Num2Bits(2 * levels);
    fromBits.in <== fromIdx;

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
    // INVARIANT: no overdraft and no nonce past 2^40 - 1: the leaf after is range-checked, so
    // balance - amount - fee is a 128-bit number (amount + fee < 2^139, far from wrapping p).
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
    // The receiver (its token is the transaction's: membership of a range-checked leaf proves it).
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
    // INVARIANT: no overflow: the receiver's leaf after is range-checked (balance < 2^128).
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

// DepositSlot(levels): one entry of the L1 priority queue, taken in order (`active` slots form
// a prefix). Each entry extends the queue's hash chain exactly as the contract does:
//   chain' = Poseidon(chain, toIdx + token * 2^32 + kind * 2^64, amount, ax, ay)
// kind 1 (create) creates the account at toIdx (the contract assigned a fresh index); kind 0
// (credit) credits an existing account of the same token; kind 2 (exit, a forced full exit the
// account's L1 owner requested) withdraws the account's whole balance: the balance becomes 0 and
// `exitAmount` (pubdata) is what the contract pays the owner.
//
// `applied` is a function of the state before, proven here, never the prover's choice:
//   create: applied iff the leaf at toIdx is empty;
//   credit: applied iff the leaf is an account of `token` and balance + amount < 2^128;
//   exit:   applied iff the leaf is an account of `token` (its balance is paid out).
// A deposit that is not applied is refunded by the contract; an exit that is not applied pays 0.
// Whether the leaf is empty (wasEmpty) is proven by membership of 0 or of the range-checked
// leaf (oToken, oNonce, oBalance, oAx, oAy) at toIdx, so the prover cannot misreport the
// account's token or balance. An entry never makes the batch unprovable.
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
    // The account at toIdx before the entry: empty, or these fields.
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
    signal output exitBytes[128];

    active * (1 - active) === 0;
    wasEmpty * (1 - wasEmpty) === 0;
    // kind is 0, 1 or 2: isCreate and isExit are its indicators and kind = isCreate + 2 isExit.
    signal isCreate <== IsEqual()([kind, 1]);
    signal isExit <== IsEqual()([kind, 2]);
    kind === isCreate + 2 * isExit;
    signal isCredit <== 1 - isCreate - isExit;
    // The contract guarantees these ranges for every queued entry; with them the chain's packed
    // field is injective.
    component toBits = Num2Bits(2 * levels);
    toBits.in <== toIdx;
    component tokenBits = Num2Bits(32);
    tokenBits.in <== token;
    component amountBits = Num2Bits(128);
    amountBits.in <== amount;

    signal chainNext <== Poseidon(5)([chainIn, toIdx + token * (1 << 32) + kind * (1 << 64), amount, ax, ay]);
    chainOut <== chainIn + active * (chainNext - chainIn);

    // The account before: membership of its range-checked leaf, or of 0 when empty.
    signal existingLeaf <== AccountLeaf()(oToken, oNonce, oBalance, oAx, oAy);
    signal oldLeaf <== existingLeaf * (1 - wasEmpty);
    signal oldRoot <== QuadMerkleRoot(levels)(oldLeaf, toBits.out, siblings);
    (oldRoot - rootIn) * active === 0;

    // Validity, from the proven state only.
    signal sameToken <== IsEqual()([oToken, token]);
    // oBalance < 2^128 (its leaf) and amount < 2^128: the sum is below 2^129.
    signal fits <== LessThan(129)([oBalance + amount, 1 << 128]);
    signal accountOk <== (1 - wasEmpty) * sameToken;
    signal creditValid <== accountOk * fits;
    signal createValid <== isCreate * wasEmpty;
    signal creditApplies <== isCredit * creditValid;
    signal exitApplies <== isExit * accountOk;
    applied <== active * (createValid + creditApplies + exitApplies);

    // The leaf after (written only when applied): create -> (token, 0, amount, ax, ay);
    // credit -> balance + amount; exit -> balance 0. Range-checked like every leaf.
    signal newToken <== oToken + isCreate * (token - oToken);
    signal newNonce <== oNonce - isCreate * oNonce;
    signal createdBalance <== isCreate * amount;
    signal creditedBalance <== isCredit * (oBalance + amount);
    signal newBalance <== applied * (createdBalance + creditedBalance);
    signal newAx <== oAx + isCreate * (ax - oAx);
    signal newAy <== oAy + isCreate * (ay - oAy);
    signal newLeaf <== AccountLeaf()(newToken, newNonce, newBalance, newAx, newAy);
    signal newRoot <== QuadMerkleRoot(levels)(newLeaf, toBits.out, siblings);
    rootOut <== rootIn + applied * (newRoot - rootIn);

    // What an applied exit pays out: the whole balance; 0 for every other entry.
    signal exitPaid <== active * exitApplies;
    signal exitAmount <== exitPaid * oBalance;
    component exitBits = Num2Bits(128);
    exitBits.in <== exitAmount;
    exitBytes <== BigEndianBits(128, 128)(exitBits.out);
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

    // An unused slot's token is NO_FEE_TOKEN (2^32, no real token), so the leaves take
    // feeToken * used: a used slot's token is range-checked like every leaf's.
    signal leafToken <== feeToken * used;
    signal leaf <== AccountLeaf()(leafToken, nonce, balance, ax, ay);
    signal root <== QuadMerkleRoot(levels)(leaf, bits.out, siblings);
    (root - rootIn) * used === 0;
    // INVARIANT: no overflow: the leaf after is range-checked (balance < 2^128).
    signal newBalance <== balance + collected;
    signal newLeaf <== AccountLeaf()(leafToken, nonce, newBalance, ax, ay);
    signal newRoot <== QuadMerkleRoot(levels)(newLeaf, bits.out, siblings);
    rootOut <== rootIn + used * (newRoot - rootIn);
}

// Rollup(levels, T, W, D, F): a batch of D priority-queue entries (deposits and forced exits),
// then T transfers, then W withdrawals, then F fee credits.
//
// One public input:
//   inputHash = Poseidon(oldRoot, newRoot, chainBefore, chainAfter, domain, sha256(pubdata) >> 3)
// where pubdata = T transfer records (TransferSlot) ++ W withdrawal records (WithdrawSlot) ++ the
// queue entries' applied bits (bit i of a ceil(D/8)-byte big-endian number is entry i) ++ the D
// entries' exit amounts (16 bytes each, big-endian; 0 unless an applied forced exit) ++ the F fee
// account indices (whole bytes each). The contract recomputes inputHash from its stored root and
// chain, the calldata and its domain; it reads the withdrawal records, the applied bits and the
// exit amounts.
template Rollup(levels, T, W, D, F) {
    assert(levels >= 1 && levels <= 16);
    assert(T >= 1 && W >= 1 && D >= 1 && F >= 1);
    var IB = (2 * levels + 7) \ 8 * 8;
    var TRANSFER_BITS = 2 * IB + 48;
    var WITHDRAW_BITS = IB + 48;
    var DEPOSIT_BITS = (D + 7) \ 8 * 8;
    var WITHDRAW_AT = T * TRANSFER_BITS;
    var DEPOSIT_AT = WITHDRAW_AT + W * WITHDRAW_BITS;
    var EXIT_AT = DEPOSIT_AT + DEPOSIT_BITS;
    var FEE_AT = EXIT_AT + D * 128;
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
        for (var m = 0; m < 128; m++) pubdata[EXIT_AT + i * 128 + m] <== deposits[i].exitBytes[m];
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
