"""Japanese names for people and companies (fictional), with romanisations."""

from __future__ import annotations

import numpy as np

# (kanji, romaji): common surnames, weighted roughly by frequency (first ones more common)
SURNAMES: tuple[tuple[str, str], ...] = (
    ("佐藤", "sato"),
    ("鈴木", "suzuki"),
    ("高橋", "takahashi"),
    ("田中", "tanaka"),
    ("伊藤", "ito"),
    ("渡辺", "watanabe"),
    ("山本", "yamamoto"),
    ("中村", "nakamura"),
    ("小林", "kobayashi"),
    ("加藤", "kato"),
    ("吉田", "yoshida"),
    ("山田", "yamada"),
    ("佐々木", "sasaki"),
    ("山口", "yamaguchi"),
    ("松本", "matsumoto"),
    ("井上", "inoue"),
    ("木村", "kimura"),
    ("林", "hayashi"),
    ("斎藤", "saito"),
    ("清水", "shimizu"),
    ("山崎", "yamazaki"),
    ("森", "mori"),
    ("池田", "ikeda"),
    ("橋本", "hashimoto"),
    ("阿部", "abe"),
    ("石川", "ishikawa"),
    ("山下", "yamashita"),
    ("中島", "nakajima"),
    ("石井", "ishii"),
    ("小川", "ogawa"),
    ("前田", "maeda"),
    ("岡田", "okada"),
    ("長谷川", "hasegawa"),
    ("藤田", "fujita"),
    ("後藤", "goto"),
    ("近藤", "kondo"),
    ("村上", "murakami"),
    ("遠藤", "endo"),
    ("青木", "aoki"),
    ("坂本", "sakamoto"),
    ("髙田", "takada"),
    ("西村", "nishimura"),
    ("福田", "fukuda"),
    ("太田", "ota"),
    ("三浦", "miura"),
    ("藤井", "fujii"),
    ("岡本", "okamoto"),
    ("松田", "matsuda"),
)

GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("健太", "kenta"),
    ("翔太", "shota"),
    ("大輔", "daisuke"),
    ("拓也", "takuya"),
    ("直樹", "naoki"),
    ("亮", "ryo"),
    ("誠", "makoto"),
    ("隆之", "takayuki"),
    ("和也", "kazuya"),
    ("浩二", "koji"),
    ("修", "osamu"),
    ("慎也", "shinya"),
    ("雄一", "yuichi"),
    ("悠斗", "yuto"),
    ("蓮", "ren"),
    ("陽介", "yosuke"),
    ("美咲", "misaki"),
    ("由美", "yumi"),
    ("恵", "megumi"),
    ("彩", "aya"),
    ("真由美", "mayumi"),
    ("さくら", "sakura"),
    ("陽子", "yoko"),
    ("裕子", "yuko"),
    ("麻衣", "mai"),
    ("千尋", "chihiro"),
    ("愛", "ai"),
    ("奈々", "nana"),
    ("理恵", "rie"),
    ("智子", "tomoko"),
    ("舞", "mai"),
    ("葵", "aoi"),
    ("結衣", "yui"),
    ("香織", "kaori"),
    ("綾香", "ayaka"),
    ("沙織", "saori"),
)

# company name parts: core words and legal suffixes (all fictional combinations)
COMPANY_CORES: tuple[str, ...] = (
    "東洋",
    "日本",
    "中央",
    "さくら",
    "アオイ",
    "富士",
    "大和",
    "北斗",
    "三和",
    "朝日",
    "東邦",
    "光陽",
    "瑞穂",
    "昭栄",
    "ミナト",
    "平和",
    "新星",
    "青葉",
    "双葉",
    "丸和",
    "関東",
    "関西",
    "北陸",
    "九州",
    "湘南",
    "横浜",
    "浪速",
    "博多",
    "仙台",
    "札幌",
    "ネクスト",
    "グローバル",
    "テクノ",
    "アーバン",
    "フューチャー",
    "ユニオン",
    "スマート",
    "ライト",
    "ブルー",
    "サン",
    "エース",
    "トップ",
    "イースト",
    "ウエスト",
    "セントラル",
)
COMPANY_KINDS: tuple[str, ...] = (
    "製作所",
    "工業",
    "商事",
    "物産",
    "システムズ",
    "電機",
    "食品",
    "建設",
    "運輸",
    "不動産",
    "ソリューションズ",
    "ホールディングス",
    "化学",
    "精機",
    "メディカル",
    "サービス",
    "ロジスティクス",
    "デザイン",
    "エンジニアリング",
    "フーズ",
)
LEGAL_FORMS: tuple[tuple[str, float], ...] = (
    ("株式会社{}", 0.62),
    ("{}株式会社", 0.30),
    ("有限会社{}", 0.05),
    ("合同会社{}", 0.03),
)


def person_names(rng: np.random.Generator, count: int) -> list[tuple[str, str, str]]:
    """``count`` distinct (kanji name ``姓 名``, romaji ``given.surname``, surname romaji)."""
    weights = 1.0 / np.sqrt(np.arange(1, len(SURNAMES) + 1))
    weights /= weights.sum()
    seen: set[str] = set()
    out: list[tuple[str, str, str]] = []
    while len(out) < count:
        s = SURNAMES[int(rng.choice(len(SURNAMES), p=weights))]
        g = GIVEN_NAMES[int(rng.integers(len(GIVEN_NAMES)))]
        name = f"{s[0]} {g[0]}"
        if name in seen and len(seen) < len(SURNAMES) * len(GIVEN_NAMES):
            continue
        seen.add(name)
        out.append((name, f"{g[1]}.{s[1]}", s[1]))
    return out


def company_names(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` fictional company names (vectorised).  Like real ones, a few repeat."""
    cores = np.array(COMPANY_CORES + tuple(s for s, _ in SURNAMES), dtype=object)
    kinds = np.array(COMPANY_KINDS, dtype=object)
    form_p = np.array([p for _, p in LEGAL_FORMS])
    core = cores[rng.integers(len(cores), size=count)]
    second = np.where(rng.random(count) < 0.3, cores[rng.integers(len(COMPANY_CORES), size=count)], "")
    body = core + second + kinds[rng.integers(len(kinds), size=count)]
    form = rng.choice(len(LEGAL_FORMS), size=count, p=form_p / form_p.sum())
    names = np.empty(count, dtype=object)
    for i, (pattern, _) in enumerate(LEGAL_FORMS):
        before, after = pattern.split("{}")
        mask = form == i
        names[mask] = before + body[mask] + after
    return names
