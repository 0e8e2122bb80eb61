"""Pieces of the molecule training command: corruption, random atom orders, vocabulary
filtering and canvas widening."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("rdkit")
pytest.importorskip("selfies")

from rdkit import Chem

from klass_molecule.tokenizer import SPECIAL_TOKENS, tokenizer_class
from klass_molecule.train import RandomOrder, build_model, encoded, mask_batch, widen_canvas

MOLECULES = ["CC(=O)Oc1ccccc1C(=O)O", "c1ccc2c(c1)[nH]c1ccccc12", "CN1CCC(CC1)Nc1ncc(F)cn1"]


def canonical(smiles: str) -> str:
    return Chem.MolToSmiles(Chem.MolFromSmiles(smiles))


@pytest.fixture(params=["smiles", "selfies"])
def random_order(request) -> RandomOrder:
    import selfies

    cls = tokenizer_class(request.param)
    if request.param == "smiles":
        # every symbol a random order of these molecules can use
        tokenizer = cls([*SPECIAL_TOKENS, *"()=123456789CNOFcn", "[nH]"])
    else:
        alphabet = selfies.get_semantic_robust_alphabet() | {"[NH1]"}
        tokenizer = cls([*SPECIAL_TOKENS, *sorted(alphabet)])
    return RandomOrder(request.param, tokenizer, canvas=40, seed=0)


def decoded(order: RandomOrder, ids: list[int]) -> str:
    import selfies

    text = order.tokenizer.decode(ids)
    return canonical(text if order.representation == "smiles" else selfies.decoder(text))


def test_random_orders_write_the_same_molecule(random_order):
    for smiles in MOLECULES:
        strings = [random_order.ids(smiles, draw) for draw in range(12)]
        assert all(ids is not None and len(ids) <= 40 for ids in strings)
        assert {decoded(random_order, ids) for ids in strings} == {canonical(smiles)}
        assert len({tuple(ids) for ids in strings}) > 3  # the orders really differ


def test_random_orders_are_seeded_by_draw(random_order):
    smiles = MOLECULES[2]
    assert random_order.ids(smiles, 5) == random_order.ids(smiles, 5)
    other_seed = RandomOrder(random_order.representation, random_order.tokenizer, 40, seed=1)
    assert {tuple(other_seed.ids(smiles, d)) for d in range(8)} != {
        tuple(random_order.ids(smiles, d)) for d in range(8)
    }


def test_random_order_gives_up_when_nothing_fits(random_order):
    short = RandomOrder(random_order.representation, random_order.tokenizer, canvas=5, seed=0)
    assert short.ids(MOLECULES[0], 0) is None
    assert random_order.ids("not a molecule", 0) is None


def test_mask_batch_keeps_one_masked_symbol_and_some_end_tokens():
    end, mask = 2, 1
    x = torch.full((256, 10), end)
    x[:, :6] = 7
    inputs, masked = mask_batch(x, mask, end, torch.Generator().manual_seed(0))
    assert masked.any(dim=1).all()
    assert torch.equal(inputs[masked], torch.full_like(inputs[masked], mask))
    assert torch.equal(inputs[~masked], x[~masked])
    ends_visible = ~(masked & (x == end)).any(dim=1)
    assert 0.3 < ends_visible.float().mean() < 0.8  # half the rows keep their end tokens


def test_encoded_flags_symbols_outside_the_vocabulary():
    tokenizer = tokenizer_class("smiles")([*SPECIAL_TOKENS, "C", "O", "="])
    assert encoded(tokenizer, "C=O") == tokenizer.encode_string("C=O")
    assert encoded(tokenizer, "C=N") is None


def test_widen_canvas_keeps_what_the_narrow_model_computes():
    narrow = build_model(vocab_size=12, canvas=6, hidden=16, layers=2, heads=2, meta={}).eval()
    wide = widen_canvas(narrow, 9, meta={"canvas_length": 9}).eval()
    assert wide.config.max_position_embeddings == 9
    assert wide.config.klass_molecule == {"canvas_length": 9}
    table = wide.bert.embeddings.position_embeddings.weight
    trained = narrow.bert.embeddings.position_embeddings.weight
    assert torch.equal(table[:6], trained)
    assert torch.equal(table[6:], trained[-1:].expand(3, -1))  # new rows copy the last one
    ids = torch.randint(3, 12, (2, 6), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(wide(input_ids=ids).logits, narrow(input_ids=ids).logits)
        assert wide(input_ids=torch.cat([ids, ids[:, :3]], dim=1)).logits.shape == (2, 9, 12)


def test_canonical_fraction_keeps_that_share_of_draws_canonical(random_order):
    def share_canonical(fraction: float) -> float:
        order = RandomOrder(random_order.representation, random_order.tokenizer, 40, seed=0,
                            canonical_fraction=fraction)
        return sum(order.ids(MOLECULES[1], d) is None for d in range(200)) / 200

    assert share_canonical(0.0) == 0.0
    assert share_canonical(1.0) == 1.0
    assert 0.4 < share_canonical(0.5) < 0.6
