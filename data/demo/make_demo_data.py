"""Regenerate the demo datasets (deterministic): ``python data/demo/make_demo_data.py``.

* ``arith.jsonl``: small-number addition and subtraction, scored by generation.
* ``facts.jsonl``: everyday facts with four options, scored by loglikelihood.
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

FACTS = [
    ('What colour is the sky on a clear day?', ['blue', 'green', 'red', 'black'], 0),
    ('How many legs does a dog have?', ['two', 'four', 'six', 'eight'], 1),
    ('What do bees make?', ['milk', 'silk', 'honey', 'wool'], 2),
    ('Which animal says "meow"?', ['cow', 'dog', 'duck', 'cat'], 3),
    ('What is frozen water called?', ['ice', 'steam', 'sand', 'glass'], 0),
    ('Which season comes after winter?', ['autumn', 'spring', 'summer', 'winter'], 1),
    ('What do we use to see?', ['ears', 'hands', 'eyes', 'feet'], 2),
    ('How many days are in a week?', ['five', 'six', 'eight', 'seven'], 3),
    ('What colour are ripe bananas?', ['yellow', 'blue', 'purple', 'grey'], 0),
    ('Which is the largest?', ['a mouse', 'an elephant', 'a cat', 'an ant'], 1),
    ('What do cows drink?', ['oil', 'juice', 'water', 'coffee'], 2),
    ('Where do fish live?', ['in trees', 'in the desert', 'in the sky', 'in water'], 3),
    ('What gives us light during the day?', ['the sun', 'the moon', 'a lamp', 'a candle'], 0),
    ('Which one is a fruit?', ['a carrot', 'an apple', 'a potato', 'an onion'], 1),
    ('What do you wear on your feet?', ['a hat', 'gloves', 'shoes', 'a scarf'], 2),
    ('Which is the opposite of hot?', ['warm', 'big', 'fast', 'cold'], 3),
    ('How many hours are in a day?', ['24', '12', '60', '7'], 0),
    ('What do birds use to fly?', ['fins', 'wings', 'wheels', 'roots'], 1),
    ('Which is a colour?', ['table', 'river', 'green', 'music'], 2),
    ('What is the capital of France?', ['Berlin', 'Madrid', 'Rome', 'Paris'], 3),
    ('Which planet do we live on?', ['Earth', 'Mars', 'Venus', 'Jupiter'], 0),
    ('What do plants need to grow?', ['plastic', 'sunlight', 'metal', 'smoke'], 1),
    ('Which one can you read?', ['a spoon', 'a shoe', 'a book', 'a cup'], 2),
    ('What is the opposite of up?', ['left', 'right', 'over', 'down'], 3),
    ('How many wheels does a bicycle have?', ['two', 'three', 'four', 'one'], 0),
    ('Which animal is known for its long neck?', ['a pig', 'a giraffe', 'a rabbit', 'a frog'], 1),
    ('What do you use to write on paper?', ['a fork', 'a brick', 'a pencil', 'a pillow'], 2),
    ('Which month comes after January?', ['March', 'December', 'June', 'February'], 3),
    ('What is the colour of grass?', ['green', 'orange', 'white', 'pink'], 0),
    ('Which one is a drink?', ['bread', 'milk', 'rice', 'cheese'], 1),
    ('What shape is a ball?', ['square', 'flat', 'round', 'triangular'], 2),
    ('Which is the opposite of day?', ['morning', 'noon', 'light', 'night'], 3),
]


def arith(n: int = 40, seed: int = 2024) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        if rng.random() < 0.7:
            rows.append({'question': f'What is {a} + {b}?', 'answer': str(a + b)})
        else:
            a, b = max(a, b), min(a, b)
            rows.append({'question': f'What is {a} - {b}?', 'answer': str(a - b)})
    return rows


def facts() -> list[dict]:
    return [{'question': q, 'A': o[0], 'B': o[1], 'C': o[2], 'D': o[3], 'answer': 'ABCD'[k]}
            for q, o, k in FACTS]


def write(name: str, rows: list[dict]) -> None:
    with open(os.path.join(HERE, name), 'w', encoding='utf-8') as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + '\n')


if __name__ == '__main__':
    write('arith.jsonl', arith())
    write('facts.jsonl', facts())
