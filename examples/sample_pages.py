"""Page definitions for the bundled demo sample (``examples/sample``).

Every page here is invented for this repository: the sites live under the reserved ``.example`` top-level
domain and all prose was written for the sample, so it can be redistributed with the code. The pages are
deliberately mixed so that each pipeline stage has something to do:

* ``article``: good prose in eight languages that every stage should keep;
* ``spam``: keyword stuffing, repeated lines, link lists, lorem ipsum, a code dump and a one-line page,
  which the quality rules should drop;
* ``boilerplate``: pages that are all chrome (login form, soft 404, cookie wall), which extraction should
  reduce to almost nothing;
* ``duplicate`` / ``near_duplicate``: copies of articles that deduplication should catch.

``examples/make_sample.py`` renders these into a WARC and a JSONL file; ``Page.text`` is the plain text a
good HTML-to-text extractor should recover from each page (title and body, none of the site chrome).
"""

from __future__ import annotations

import dataclasses
import textwrap
from dataclasses import dataclass
from typing import Literal

Kind = Literal["article", "spam", "boilerplate", "duplicate", "near_duplicate"]
# How the body is marked up; the generator picks the HTML for each.
Layout = Literal["article", "links", "code", "form", "notice", "consent"]

# Written without spaces between words, so hard-wrapped source lines are re-joined with "" rather than " ".
_NO_SPACE_LANGUAGES = frozenset({"zh", "ja"})


@dataclass(frozen=True)
class Site:
    """The chrome around a page: menus, related posts and footer, in the site's own language."""

    key: str
    host: str
    name: str
    language: str
    author: str
    nav: tuple[tuple[str, str], ...]
    related: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    language: str  # what the body was written in (ISO 639-1; "la" for the lorem ipsum page)
    kind: Kind
    title: str
    paragraphs: tuple[str, ...]
    site: Site
    published: str  # ISO date shown in the byline
    layout: Layout = "article"
    duplicate_of: str | None = None
    canonical: str | None = None  # <link rel="canonical">; defaults to the page's own url
    footer_note: str = ""

    @property
    def text(self) -> str:
        """What a good extractor returns: the title line, then one line per paragraph."""
        return "\n".join((self.title, *self.paragraphs))


def _paragraphs(block: str, language: str) -> tuple[str, ...]:
    """Split a triple-quoted block on blank lines and undo the hard wrapping inside each paragraph."""
    joiner = "" if language in _NO_SPACE_LANGUAGES else " "
    chunks = textwrap.dedent(block).strip().split("\n\n")
    return tuple(joiner.join(line.strip() for line in chunk.splitlines()) for chunk in chunks)


def _site(
    key: str,
    host: str,
    name: str,
    language: str,
    author: str,
    nav: list[tuple[str, str]],
    related: list[tuple[str, str]],
) -> Site:
    return Site(key, host, name, language, author, tuple(nav), tuple(related))


_SITE_LIST = [
    _site(
        "hearthandcrumb",
        "hearthandcrumb.example",
        "Hearth & Crumb",
        "en",
        "Nora Pennick",
        [
            ("Recipes", "/recipes/"),
            ("Baking", "/baking/"),
            ("Techniques", "/techniques/"),
            ("About", "/about/"),
        ],
        [
            ("Overnight oat porridge for busy mornings", "/recipes/overnight-oats"),
            ("A beginner's guide to knife skills", "/techniques/knife-skills"),
            ("Ten pantry staples worth keeping", "/techniques/pantry-staples"),
        ],
    ),
    _site(
        "windowsill",
        "windowsillgardener.example",
        "The Windowsill Gardener",
        "en",
        "Owen Threlfall",
        [("Grow", "/grow/"), ("Soil", "/soil/"), ("Pests", "/pests/"), ("Seasons", "/seasons/")],
        [
            ("Five herbs that survive a north-facing window", "/grow/herbs-north-window"),
            ("What to do about fungus gnats", "/pests/fungus-gnats"),
            ("A month-by-month sowing calendar", "/seasons/sowing-calendar"),
        ],
    ),
    _site(
        "marrowfield",
        "marrowfieldhistory.example",
        "Marrowfield Historical Society",
        "en",
        "Margaret Ellery",
        [("Articles", "/articles/"), ("Archive", "/archive/"), ("Events", "/events/"), ("Join", "/join/")],
        [
            ("The coaching inns of Church Street", "/articles/coaching-inns"),
            ("Parish school log books, 1871-1902", "/archive/school-log-books"),
            ("Walking tour: the river path", "/events/river-walk"),
        ],
    ),
    _site(
        "gazette",
        "marrowfieldgazette.example",
        "The Marrowfield Gazette",
        "en",
        "Gazette Staff",
        [("News", "/news/"), ("Community", "/community/"), ("Sport", "/sport/"), ("Notices", "/notices/")],
        [
            ("Bridge repairs to close Mill Lane for a week", "/news/mill-lane-closure"),
            ("Allotment show results", "/community/allotment-show"),
            ("Cricket club seeks new members", "/sport/cricket-club"),
        ],
    ),
    _site(
        "spokeandchain",
        "spokeandchain.example",
        "Spoke & Chain Workshop",
        "en",
        "Dev Anand Rao",
        [("Guides", "/guides/"), ("Tools", "/tools/"), ("Classes", "/classes/"), ("Shop", "/shop/")],
        [
            ("Adjusting a rear derailleur in five steps", "/guides/rear-derailleur"),
            ("The ten tools every home mechanic needs", "/tools/home-toolkit"),
            ("Choosing the right tire pressure", "/guides/tire-pressure"),
        ],
    ),
    _site(
        "backyardsky",
        "backyardsky.example",
        "Backyard Sky",
        "en",
        "Lena Marsh",
        [
            ("Beginners", "/beginners/"),
            ("Sky this month", "/this-month/"),
            ("Gear", "/gear/"),
            ("Club", "/club/"),
        ],
        [
            ("Binoculars or telescope: where to start", "/gear/binoculars-or-telescope"),
            ("Reading a planisphere", "/beginners/planisphere"),
            ("Planets visible this month", "/this-month/planets"),
        ],
    ),
    _site(
        "sawdust",
        "sawdustsundays.example",
        "Sawdust Sundays",
        "en",
        "Tom Aldous",
        [("Projects", "/projects/"), ("Tools", "/tools/"), ("Finishes", "/finishes/"), ("About", "/about/")],
        [
            ("Sharpening a chisel without a jig", "/tools/chisel-sharpening"),
            ("A weekend bookshelf", "/projects/weekend-bookshelf"),
            ("Oil or varnish for outdoor wood", "/finishes/oil-or-varnish"),
        ],
    ),
    _site(
        "xiaozao",
        "xiaozaobiji.example",
        "小灶笔记",
        "zh",
        "林小满",
        [("家常菜", "/caipu/"), ("烘焙", "/hongbei/"), ("汤羹", "/tanggeng/"), ("关于", "/guanyu/")],
        [
            ("一锅好粥的秘诀", "/caipu/zhou"),
            ("凉拌黄瓜怎么做才脆", "/caipu/liangban-huanggua"),
            ("冬天适合喝的几道汤", "/tanggeng/dongtian"),
        ],
    ),
    _site(
        "caipudaquan",
        "caipudaquan.example",
        "家常菜谱大全",
        "zh",
        "编辑部",
        [("热门菜谱", "/hot/"), ("快手菜", "/kuaishou/"), ("排行榜", "/top/"), ("下载APP", "/app/")],
        [
            ("十道下饭菜推荐", "/hot/xiafancai"),
            ("减脂餐一周食谱", "/kuaishou/jianzhi"),
            ("电饭煲也能做蛋糕", "/top/dianfanbao-dangao"),
        ],
    ),
    _site(
        "yangtai",
        "yangtaihuayuan.example",
        "阳台花园",
        "zh",
        "周青禾",
        [("种植", "/zhongzhi/"), ("土壤", "/turang/"), ("病虫害", "/bingchonghai/"), ("关于", "/guanyu/")],
        [
            ("多肉植物过夏注意事项", "/zhongzhi/duorou-guoxia"),
            ("自制酵素肥真的有用吗", "/turang/jiaosufei"),
            ("蚜虫的几种防治方法", "/bingchonghai/yachong"),
        ],
    ),
    _site(
        "qingshi",
        "qingshizhen.example",
        "青石镇地方志",
        "zh",
        "青石镇文史小组",
        [("镇史", "/zhenshi/"), ("人物", "/renwu/"), ("老照片", "/laozhaopian/"), ("联系", "/lianxi/")],
        [
            ("青石镇的三座古桥", "/zhenshi/guqiao"),
            ("老街上的百年药铺", "/zhenshi/yaopu"),
            ("一张一九五六年的合影", "/laozhaopian/1956"),
        ],
    ),
    _site(
        "qixing",
        "qixinggongfang.example",
        "骑行工坊",
        "zh",
        "陈一帆",
        [("保养", "/baoyang/"), ("装备", "/zhuangbei/"), ("路线", "/luxian/"), ("问答", "/wenda/")],
        [
            ("刹车片多久换一次", "/baoyang/shachepian"),
            ("新手骑行装备清单", "/zhuangbei/xinshou"),
            ("环湖骑行路线推荐", "/luxian/huanhu"),
        ],
    ),
    _site(
        "xingkong",
        "xingkongrumen.example",
        "星空入门",
        "zh",
        "许星河",
        [("入门", "/rumen/"), ("天象", "/tianxiang/"), ("器材", "/qicai/"), ("社区", "/shequ/")],
        [
            ("怎样用手机拍月亮", "/qicai/shouji-paiyue"),
            ("认识北斗七星", "/rumen/beidou"),
            ("今年值得关注的天象", "/tianxiang/jinnian"),
        ],
    ),
    _site(
        "manpao",
        "manpaoriji.example",
        "慢跑日记",
        "zh",
        "赵小路",
        [("入门", "/rumen/"), ("训练", "/xunlian/"), ("装备", "/zhuangbei/"), ("赛事", "/saishi/")],
        [
            ("跑步后膝盖疼怎么办", "/xunlian/xigai"),
            ("冬天跑步穿什么", "/zhuangbei/dongtian"),
            ("第一次跑五公里的经历", "/saishi/wugongli"),
        ],
    ),
    _site(
        "daidokoro",
        "daidokoronote.example",
        "台所ノート",
        "ja",
        "山野ひかり",
        [("レシピ", "/recipe/"), ("保存食", "/hozon/"), ("道具", "/dougu/"), ("プロフィール", "/profile/")],
        [
            ("土鍋でご飯を炊くコツ", "/recipe/donabe-gohan"),
            ("失敗しないだし巻き卵", "/recipe/dashimaki"),
            ("梅干しづくりの記録", "/hozon/umeboshi"),
        ],
    ),
    _site(
        "jitensha",
        "jitenshaseibi.example",
        "自転車整備メモ",
        "ja",
        "大森健",
        [("整備", "/seibi/"), ("工具", "/kougu/"), ("パーツ", "/parts/"), ("このサイトについて", "/about/")],
        [
            ("チェーンの注油はどのくらいの頻度で", "/seibi/chain"),
            ("空気入れの選び方", "/kougu/pump"),
            ("パンク修理の基本", "/seibi/punk"),
        ],
    ),
    _site(
        "balkongruen",
        "balkongruen.example",
        "Balkongrün",
        "de",
        "Katrin Vossberg",
        [
            ("Pflanzen", "/pflanzen/"),
            ("Gemüse", "/gemuese/"),
            ("Kalender", "/kalender/"),
            ("Über uns", "/ueber-uns/"),
        ],
        [
            ("Tomaten im Kübel: die besten Sorten", "/gemuese/tomaten-kuebel"),
            ("Schnecken auf dem Balkon?", "/pflanzen/schnecken"),
            ("Der Aussaatkalender für März", "/kalender/maerz"),
        ],
    ),
    _site(
        "himmelsblick",
        "himmelsblick.example",
        "Himmelsblick",
        "de",
        "Jonas Reimer",
        [
            ("Einsteiger", "/einsteiger/"),
            ("Himmel aktuell", "/aktuell/"),
            ("Technik", "/technik/"),
            ("Verein", "/verein/"),
        ],
        [
            ("Das erste Fernglas richtig wählen", "/technik/fernglas"),
            ("Sternkarten lesen lernen", "/einsteiger/sternkarten"),
            ("Die Planeten im Februar", "/aktuell/februar"),
        ],
    ),
    _site(
        "margot",
        "cuisinedemargot.example",
        "La Cuisine de Margot",
        "fr",
        "Margot Lefèvre",
        [
            ("Recettes", "/recettes/"),
            ("Desserts", "/desserts/"),
            ("Conserves", "/conserves/"),
            ("À propos", "/a-propos/"),
        ],
        [
            ("Tarte aux pommes de ma grand-mère", "/desserts/tarte-aux-pommes"),
            ("Réussir ses bocaux de tomates", "/conserves/tomates"),
            ("Une soupe de légumes pour l'hiver", "/recettes/soupe-hiver"),
        ],
    ),
    _site(
        "vaudreuil",
        "amisdevaudreuil.example",
        "Les Amis de Vaudreuil-sur-Lisse",
        "fr",
        "Bernard Chaumet",
        [
            ("Patrimoine", "/patrimoine/"),
            ("Histoire", "/histoire/"),
            ("Agenda", "/agenda/"),
            ("Adhérer", "/adherer/"),
        ],
        [
            ("Le moulin de la Lisse", "/patrimoine/moulin"),
            ("L'école du village en 1900", "/histoire/ecole-1900"),
            ("Journées du patrimoine : le programme", "/agenda/journees-patrimoine"),
        ],
    ),
    _site(
        "cocinadecasa",
        "cocinadecasa.example",
        "Cocina de Casa",
        "es",
        "Lucía Ferrer",
        [
            ("Recetas", "/recetas/"),
            ("Tapas", "/tapas/"),
            ("Postres", "/postres/"),
            ("Sobre mí", "/sobre-mi/"),
        ],
        [
            ("Croquetas de jamón paso a paso", "/tapas/croquetas"),
            ("Lentejas de la abuela", "/recetas/lentejas"),
            ("Arroz con leche cremoso", "/postres/arroz-con-leche"),
        ],
    ),
    _site(
        "zvezdnoe",
        "zvezdnoenebo.example",
        "Звёздное небо",
        "ru",
        "Андрей Соколов",
        [
            ("Новичкам", "/novichkam/"),
            ("Оборудование", "/oborudovanie/"),
            ("Небо месяца", "/nebo/"),
            ("О нас", "/o-nas/"),
        ],
        [
            ("Как найти Полярную звезду", "/novichkam/polyarnaya"),
            ("Бинокль для астрономии", "/oborudovanie/binokl"),
            ("Что посмотреть на небе в марте", "/nebo/mart"),
        ],
    ),
    # Spam and template sites: thin chrome, nothing worth keeping.
    _site(
        "quickcash",
        "quickcashloans.example",
        "QuickCash Loans",
        "en",
        "admin",
        [("Loans", "/loans/"), ("Apply Now", "/apply/"), ("Rates", "/rates/"), ("FAQ", "/faq/")],
        [("Payday loans near me", "/payday-loans-near-me"), ("Instant cash loans", "/instant-cash-loans")],
    ),
    _site(
        "shoes",
        "cheapshoesoutlet.example",
        "Cheap Shoes Outlet",
        "en",
        "admin",
        [("Men", "/men/"), ("Women", "/women/"), ("Sale", "/sale/"), ("Cart", "/cart/")],
        [("Cheap running shoes", "/cheap-running-shoes"), ("Cheap boots sale", "/cheap-boots-sale")],
    ),
    _site(
        "jianfei",
        "jianfeicha.example",
        "减肥茶官网",
        "zh",
        "小编",
        [("首页", "/"), ("产品", "/chanpin/"), ("价格", "/jiage/"), ("订购", "/dinggou/")],
        [("减肥茶哪个牌子好", "/paihang"), ("减肥茶真的有效吗", "/xiaoguo")],
    ),
    _site(
        "daohang",
        "wangzhidaohang.example",
        "网址导航",
        "zh",
        "站长",
        [("首页", "/"), ("影视", "/yingshi/"), ("游戏", "/youxi/"), ("购物", "/gouwu/")],
        [("设为首页", "/shezhi"), ("收藏本站", "/shoucang")],
    ),
    _site(
        "template",
        "mynewblog.example",
        "My New Blog",
        "en",
        "admin",
        [("Home", "/"), ("Sample Page", "/sample-page/"), ("Blog", "/blog/")],
        [("Hello world!", "/hello-world/"), ("Sample Page", "/sample-page/")],
    ),
    _site(
        "appcdn",
        "appcdn-static.example",
        "AppCDN",
        "en",
        "build",
        [("Docs", "/docs/"), ("Status", "/status/")],
        [],
    ),
    _site(
        "prize",
        "prize-claim-now.example",
        "Prize Center",
        "en",
        "admin",
        [("Claim", "/claim/")],
        [],
    ),
]

SITES: dict[str, Site] = {site.key: site for site in _SITE_LIST}


def _article(
    page_id: str,
    url: str,
    language: str,
    site: str,
    published: str,
    title: str,
    body: str,
) -> Page:
    return Page(
        id=page_id,
        url=url,
        language=language,
        kind="article",
        title=title,
        paragraphs=_paragraphs(body, language),
        site=SITES[site],
        published=published,
    )


ARTICLES: list[Page] = [
    # ---------------------------------------------------------------- English
    _article(
        "en-sourdough-starter",
        "https://hearthandcrumb.example/recipes/rye-sourdough-starter",
        "en",
        "hearthandcrumb",
        "2023-03-02",
        "Raising a Rye Sourdough Starter in Seven Days",
        """
        A sourdough starter is nothing more than flour and water that has been left alone long enough for
        wild yeast and lactic acid bacteria to settle in. It sounds mysterious, but the process rewards
        patience far more than skill. This is the routine we use in our own kitchen, and it has worked in
        cold farmhouses and in cramped city flats alike.

        Begin with whole rye flour if you can find it. Rye carries more of the microbes and nutrients that a
        young culture needs, so it tends to wake up faster than white flour. Stir fifty grams of rye flour
        with fifty grams of lukewarm water in a clean glass jar, scrape down the sides, and cover the jar
        loosely with a lid or a cloth. Put a rubber band around the jar at the level of the paste so you can
        see how much it rises.

        For the first two days, leave the jar somewhere warm and do very little. You may see a burst of
        bubbles on the second day followed by a quiet spell on the third. That pause worries many beginners,
        but it is normal: the first wave of bacteria makes the mixture more acidic, and the organisms you
        actually want need a day or two to take over.

        From the third day onward, feed the starter every morning. Discard all but about fifty grams, then
        add fifty grams of flour and fifty grams of water and stir well. The discarded portion can go into
        pancakes or crackers rather than the bin. Keep an eye on the rubber band; once the starter reliably
        doubles within six to eight hours of a feeding, it is strong enough to raise a loaf.

        A healthy starter smells pleasantly sour, a little like yogurt or green apples. If a grey liquid
        collects on top, the culture is simply hungry, so pour it off and feed it. Pink or orange streaks
        are a different matter and mean the batch should be thrown away and begun again in a fresh jar.

        Once it is established, the starter can live in the refrigerator and be fed once a week. Take it out
        the evening before you plan to bake, give it a generous meal, and it will be lively again by
        morning.
        """,
    ),
    _article(
        "en-tomato-seedlings",
        "https://windowsillgardener.example/grow/tomato-seedlings-indoors",
        "en",
        "windowsill",
        "2024-02-11",
        "Starting Tomato Seedlings on a Windowsill",
        """
        Tomatoes need a long, warm season, and in many climates the only way to get a decent harvest is to
        sow the seeds indoors about six to eight weeks before the last expected frost. A bright windowsill
        is enough to get them going, provided you pay attention to a few details that books often skip.

        Use a fine, light seed compost rather than soil from the garden. Garden soil packs down in small
        pots, drains poorly and often carries fungal spores that cause young stems to collapse. Fill small
        pots or a divided tray, water the compost first, and then press two seeds into each cell about half
        a centimetre deep. Cover the tray with a clear lid or a plastic bag to hold in moisture.

        Warmth matters more than light until the seeds sprout. A spot near a radiator or on top of the
        refrigerator works well, as long as the temperature stays around twenty to twenty-five degrees. Most
        varieties germinate in five to ten days. As soon as the first green loops appear, remove the cover
        and move the tray to the brightest window you have.

        Seedlings on a windowsill lean toward the glass, so turn the tray a quarter turn every day. If they
        still grow tall and thin, they are not getting enough light. A simple reflector made from white card
        and placed behind the tray can help, and so can brushing your hand gently across the tops each
        evening, which encourages sturdier stems.

        When each seedling has its first pair of true leaves, snip off the weaker one in each cell and move
        the survivor into a larger pot. Bury the stem deeper than before; tomatoes grow roots all along the
        buried part, which gives a stronger plant.

        About a week before planting out, start leaving the pots outdoors during the day and bringing them
        in at night. This hardening off prevents the shock that can stall growth for weeks after
        transplanting.
        """,
    ),
    _article(
        "en-marrowfield-mill",
        "https://marrowfieldhistory.example/articles/the-old-fulling-mill",
        "en",
        "marrowfield",
        "2022-10-19",
        "The Fulling Mill That Built Marrowfield",
        """
        Visitors who walk along the river path below Church Street often stop at the low stone walls beside
        the weir and wonder what they once belonged to. They are all that remains of the fulling mill, the
        building that turned Marrowfield from a scattered farming parish into a busy little wool town.

        The first mill on the site is mentioned in a parish rent roll of 1572, when a certain Thomas Ashby
        paid four shillings a year for the right to use the water. Fulling was the process of pounding woven
        cloth in water and clay so that the fibres shrank and matted together, producing a thick, durable
        fabric. Before the mill, this work had been done by people trampling the cloth in tubs, and the
        change to heavy wooden hammers driven by a water wheel was a remarkable saving of labour.

        By the middle of the eighteenth century the mill had been rebuilt in stone and was owned by the Pell
        family, who also bought up several of the cottages on Tenter Lane. The name of that lane survives
        today and recalls the tenter frames, long wooden racks on which the wet cloth was stretched to dry
        in the fields behind the houses.

        The mill's fortunes rose and fell with the wool trade. A flood in the winter of 1809 carried away
        the wheel and part of the north wall, and the parish records describe men working through the night
        to save bales of cloth from the rising water. The building was repaired, but the arrival of
        steam-powered factories in the northern towns slowly took away its trade.

        The last cloth was fulled at Marrowfield in 1887. For a few years the building served as a store for
        a local corn merchant, and in 1921 most of it was pulled down so that the stone could be reused in
        the new school. The society hopes to place an information board beside the weir next spring, and we
        would be glad to hear from anyone whose family worked at the mill.
        """,
    ),
    _article(
        "en-flat-tire",
        "https://spokeandchain.example/guides/fix-a-flat-tire",
        "en",
        "spokeandchain",
        "2021-06-07",
        "How to Fix a Flat Tire at the Roadside",
        """
        Sooner or later every cyclist hears the soft hiss of a puncture. The good news is that repairing an
        inner tube takes about fifteen minutes and needs only a few small tools: two tire levers, a patch
        kit or a spare tube, and a pump that fits your valves. Carry them on every ride and a flat becomes a
        short break instead of a long walk home.

        Start by shifting to the smallest rear cog if the puncture is at the back, which makes the wheel
        easier to remove and refit. Open the brake quick release if you have rim brakes, then undo the axle
        and lift the wheel out of the frame.

        Let out any remaining air and push the valve up into the tire. Hook one lever under the bead
        opposite the valve and pull it over the rim, then clip the lever to a spoke. Slide the second lever
        along the rim a little further away and the rest of the bead should come off by hand. Pull the tube
        out, leaving the tire on the wheel.

        Before fitting anything new, find out what caused the flat. Pump a little air into the old tube and
        listen for the leak, then line the tube up against the tire to find the matching spot. Run your
        fingers carefully around the inside of the tire to find thorns or shards of glass. Skipping this
        step is the most common reason for a second puncture a mile later.

        To patch the tube, roughen the area around the hole with the sandpaper from the kit, spread a thin
        layer of glue, and wait until it turns dull before pressing the patch firmly in place. Self-adhesive
        patches are quicker but less durable.

        Put a few strokes of air into the tube so it holds its shape, tuck it into the tire starting at the
        valve, and work the bead back onto the rim with your thumbs. Check that the tube is not pinched
        anywhere, inflate to the pressure printed on the sidewall, and refit the wheel.
        """,
    ),
    _article(
        "en-moon-observing",
        "https://backyardsky.example/beginners/observing-the-moon",
        "en",
        "backyardsky",
        "2023-09-14",
        "Why the Moon Is the Best First Target for a New Telescope",
        """
        People who buy their first telescope often point it straight at a faint galaxy, see nothing but a
        grey smudge, and decide the hobby is not for them. A much better first night out is spent on the
        Moon. It is bright, easy to find, and full of detail that even a small instrument or a pair of
        binoculars will show.

        The full Moon is actually the worst time to look. With the Sun shining straight down on it, there
        are almost no shadows, and the surface looks flat and washed out. Instead, observe in the days
        around first quarter or last quarter, when the line between day and night, called the terminator,
        crosses the middle of the disc. Near that line the low sunlight throws long shadows from crater
        walls and mountain peaks, and the landscape suddenly looks three-dimensional.

        Start with the lowest magnification your telescope offers. Sweep slowly along the terminator and let
        your eye adjust to the brightness. You will notice the large dark plains, which early observers
        mistook for seas, and the brighter, heavily cratered highlands around them. Once you have found an
        interesting area, switch to a higher power to look more closely.

        A few features are worth learning by name. Copernicus is a large crater with terraced walls and
        bright rays of material splashed across the surface around it. The Apennine Mountains form a long
        curved range along the edge of one of the dark plains. Near the southern edge, the crater Tycho
        sends out rays so long they can be seen with binoculars at full Moon.

        Keep a notebook and make rough sketches of what you see. Drawing forces you to look carefully, and
        comparing your notes from one evening to the next shows how quickly the view changes as the shadows
        move. After a month of this, you will know your way around the Moon better than most people ever do.
        """,
    ),
    _article(
        "en-cedar-birdhouse",
        "https://sawdustsundays.example/projects/simple-cedar-birdhouse",
        "en",
        "sawdust",
        "2022-04-03",
        "A Simple Cedar Birdhouse From One Board",
        """
        This birdhouse is a good first woodworking project because it can be cut from a single board about a
        metre and a half long, and every joint is a straight cut. We used rough-sawn cedar, which weathers
        well without paint and gives small birds a surface they can grip, but any untreated softwood will
        do.

        Cut the board into six pieces: a front and a back, two sides, a floor and a roof. Make the sides
        slightly shorter than the back and cut their top edges at an angle so that the roof sheds rain
        toward the front. The roof should overhang the front by a few centimetres to keep driving rain away
        from the entrance.

        The size of the entrance hole decides which birds will move in. A hole of about twenty-eight
        millimetres suits small tits, while larger species need something wider. Drill it high on the front
        panel, well above the floor, so that cats and squirrels cannot reach in to the nest. Do not add a
        perch below the hole; the birds do not need one, and it only helps predators.

        Drill a few small holes in the floor for drainage and two more high on the sides for ventilation.
        Assemble the box with galvanised screws rather than nails, because screws hold better as the wood
        swells and shrinks. Attach the roof with a single hinge or a pair of screws on one side so that it
        can be opened to clean out old nesting material at the end of each season.

        Hang the box between two and four metres above the ground, facing away from strong afternoon sun and
        the prevailing wind. Autumn is the best time to put it up, since birds begin looking for nesting
        sites early in the year and may use the box as a winter roost before then.
        """,
    ),
    _article(
        "en-vegetable-stock",
        "https://hearthandcrumb.example/recipes/scrap-vegetable-stock",
        "en",
        "hearthandcrumb",
        "2023-11-20",
        "Making Vegetable Stock From Kitchen Scraps",
        """
        Most kitchens throw away a surprising amount of flavour. Onion skins, carrot peelings, the tough
        green tops of leeks, celery leaves and the stalks of parsley all make an excellent stock, and
        collecting them costs nothing. We keep a large bag in the freezer and add to it whenever we cook,
        and when it is full it is time to make stock.

        Not every scrap belongs in the pot. Cabbage, broccoli and other brassicas turn bitter and sulphurous
        when simmered for long, and beetroot will dye everything a deep pink. Potato peelings make the stock
        cloudy. Anything that is mouldy or slimy should go in the compost instead, because long cooking will
        not improve it.

        Tip the frozen scraps into a large pot and add enough cold water to cover them by a few centimetres.
        A bay leaf, a few peppercorns and a strip of lemon peel are welcome additions. Bring the pot slowly
        to a gentle simmer, but do not let it boil hard, as fierce bubbling breaks the vegetables down and
        clouds the liquid.

        After about forty-five minutes, taste the stock. Vegetables give up their flavour much faster than
        bones do, and cooking for hours only makes the stock taste flat and stewed. When it tastes pleasant
        and savoury, strain it through a fine sieve and press gently on the solids to get the last of the
        liquid out.

        Leave the salt out until you use the stock, because it will be reduced in sauces and soups and can
        easily become too salty. Cool it quickly, then keep it in the refrigerator for up to four days or
        freeze it in small containers. Ice trays are handy for the small amounts needed to loosen a sauce or
        cook a pan of rice.
        """,
    ),
    _article(
        "en-first-compost-heap",
        "https://windowsillgardener.example/soil/first-compost-heap",
        "en",
        "windowsill",
        "2023-05-28",
        "Getting a First Compost Heap Right",
        """
        A compost heap turns garden waste and vegetable peelings into dark, crumbly material that improves
        almost any soil. Many first attempts end up as a cold, smelly pile that never seems to rot, but the
        fix is usually simple once you understand what the microbes in the heap need.

        Think of the ingredients in two groups. Green materials, such as grass clippings, fresh weeds and
        kitchen scraps, are rich in nitrogen and rot quickly. Brown materials, such as dry leaves, straw,
        shredded cardboard and small twigs, are rich in carbon and break down slowly. A heap made only of
        grass turns slimy and sour, while one made only of leaves sits unchanged for years. Aim for roughly
        equal volumes of each, mixed together or in thin alternating layers.

        Moisture is the second thing to get right. The contents should feel like a wrung-out sponge. If the
        heap is dry, the microbes go dormant; if it is soaking wet, air cannot reach the middle and the
        smell of rotten eggs tells you that the wrong kind of decay has taken over. Add water during dry
        spells and cover the heap in heavy rain.

        Air is the third ingredient. Turning the heap with a fork every few weeks lets oxygen back in and
        moves the outer material into the warm centre. A well-balanced heap can become hot enough to steam
        on a cold morning, which is a sign that it is working quickly.

        Leave out meat, fish, dairy and cooked food, which attract rats, and avoid perennial weed roots and
        diseased plants unless you are sure the heap gets very hot. Depending on the season, the compost
        should be ready in six months to a year. It is finished when it smells of damp woodland and you can
        no longer recognise what went into it.
        """,
    ),
    # ---------------------------------------------------------------- Chinese
    _article(
        "zh-tomato-egg",
        "https://xiaozaobiji.example/caipu/fanqie-chaodan",
        "zh",
        "xiaozao",
        "2023-07-08",
        "番茄炒蛋怎样做才好吃",
        """
        番茄炒蛋几乎是每个人学做饭时的第一道菜，材料简单，做法也不复杂，可是真要做得好吃，还是有一些小窍门的
        。很多人做出来的番茄炒蛋要么鸡蛋发老，要么汤汁太多，吃起来寡淡无味。下面把我家常用的做法整理出来，供
        大家参考。

        先说选料。番茄最好挑熟透的，表皮红亮、捏起来稍微有点软的那种，炒出来汁多味浓。如果番茄不够熟，可以提
        前放在室温下放一两天。鸡蛋用普通的土鸡蛋或者超市买的鸡蛋都可以，两个番茄配三个鸡蛋比较合适。另外再准
        备一根葱、少许盐和白糖。

        番茄洗净后在顶部划一个十字，用开水烫一分钟，就能很轻松地把皮撕掉。去皮以后口感更好，汤汁也更顺滑。然
        后把番茄切成小块，葱切成葱花。鸡蛋打进碗里，加一小撮盐，用筷子顺着一个方向搅打到起泡。

        锅烧热后倒入比平时稍多一点的油，油热到微微冒烟时倒入蛋液。蛋液一下锅就会膨起来，这时候不要急着翻动，
        等底部凝固后再用铲子轻轻推几下，鸡蛋七八成熟时就盛出来。鸡蛋炒得嫩不嫩，关键就在这一步，千万别炒过头
        。

        锅里留少许底油，放入番茄块，用中火翻炒，一边炒一边用铲子按压，让番茄出汁。番茄变软、汤汁变浓以后，加
        入适量的盐和一小勺白糖。糖不是为了让菜变甜，而是为了中和番茄的酸味，让味道更柔和。

        有人喜欢先炒番茄再下鸡蛋，也有人喜欢把蛋液直接倒进番茄里一起炒，各有各的风味。不过对于新手来说，先炒
        蛋、再炒番茄的方法最容易掌握，鸡蛋的口感也最好。

        最后把炒好的鸡蛋倒回锅里，和番茄汁一起翻炒均匀，让鸡蛋吸饱汤汁，撒上葱花就可以出锅了。喜欢汤汁多一些
        的，可以在炒番茄时加两勺清水。这道菜拌米饭特别香，配面条也很不错。
        """,
    ),
    _article(
        "zh-balcony-herbs",
        "https://yangtaihuayuan.example/zhongzhi/yangtai-xiangcao",
        "zh",
        "yangtai",
        "2024-03-16",
        "在阳台上种香草的几点经验",
        """
        住在城市里，很多人没有自己的院子，但只要有一个朝南或者朝东的阳台，就可以种出不少实用的香草。薄荷、罗
        勒、迷迭香、香葱和紫苏都是很适合新手的品种，不但好养活，平时做饭的时候随手就能剪一把，比去菜市场买的
        新鲜得多。

        首先要考虑光照。大多数香草喜欢阳光，每天至少需要四到六个小时的直射光。朝南的阳台光照最充足，适合种迷
        迭香、百里香这类原产于地中海沿岸的植物；朝东的阳台上午有阳光，下午比较阴凉，更适合薄荷、香葱和紫苏。
        如果阳台朝北，可以选择耐阴一些的品种，或者考虑用灯补光。

        花盆和土壤同样重要。花盆底部一定要有排水孔，否则浇水后积水，根部很容易腐烂。土壤可以用市面上的通用营
        养土，再掺入三分之一左右的珍珠岩或者粗沙，增加透气性。迷迭香和百里香尤其怕湿，土壤宜偏干一些；薄荷和
        罗勒则喜欢湿润的环境。

        浇水的原则是“见干见湿”，也就是等盆土表面干了再浇，一次浇透，直到水从盆底流出来为止。夏天阳台温度高，
        水分蒸发快，可能需要每天早晚各检查一次；冬天则要减少浇水的次数。很多新手养死香草，不是因为缺水，而是
        因为浇得太勤。

        香草要经常修剪才能长得茂盛。罗勒长到十几厘米高时，就可以把顶端的嫩芽掐掉，这样侧枝会长出更多叶子。罗
        勒一旦开花，叶子就会变老变苦，所以看到花穗要及时剪掉。薄荷生长非常旺盛，最好单独种在一个盆里，不然很
        快就会挤占其他植物的空间。

        种香草最大的乐趣，是看着它们一天天长大，再把它们变成餐桌上的味道。一盆长势良好的罗勒，足够做好几次意
        大利面酱；几片新鲜的薄荷叶泡进温水里，就是一杯清爽的饮料。
        """,
    ),
    _article(
        "zh-qingshi-wharf",
        "https://qingshizhen.example/zhenshi/lao-matou",
        "zh",
        "qingshi",
        "2022-12-05",
        "青石镇老码头的变迁",
        """
        青石镇位于清河下游，是一座有着三百多年历史的小镇。镇子东边的老码头，如今只剩下几级长满青苔的石阶和一
        棵老槐树，但在镇上老人的记忆里，这里曾经是整个镇子最热闹的地方。

        根据镇志记载，老码头大约修建于清朝乾隆年间。当时清河水量充足，来往的船只把山里的木材、茶叶和竹器运到
        下游的城市，再把布匹、盐和日用百货运回来。码头附近陆续开起了茶馆、客栈和米行，一条不到两百米长的街上
        ，最多的时候有四十多家店铺。

        镇上的老人说，每天天还没亮，码头上就已经人声鼎沸。挑夫们光着膀子，喊着号子把一袋袋货物扛上岸，船老大
        们则聚在茶馆里谈生意、打听行情。逢年过节的时候，码头上还会搭起戏台，请外地的戏班来唱戏，附近村子里的
        人都会划船赶来看热闹。

        镇上七十多岁的刘阿婆还记得，她小时候常常跟着父亲去码头卖豆腐。天冷的时候，船工们会把刚出锅的豆腐连同
        热汤一起买下，蹲在石阶上吃完再上船。她说，那时候的码头从早到晚都有声音，几乎没有安静的时候。

        二十世纪六十年代，上游修建了水库，清河的水位逐年下降，大船已经无法靠岸。后来公路修通了，货物改由汽车
        运输，码头的生意一落千丈。到了八十年代，最后一家米行也关了门，码头边的店铺大多改成了民居。

        近几年，镇里开始重视老码头的保护工作。去年，镇政府请来专家对石阶进行了加固，并在老槐树旁边立了一块介
        绍码头历史的石碑。一些年轻人还在老街上开起了书店和手工作坊，周末常有游客专程来这里散步、拍照。

        如果您家里保存着与老码头有关的老照片、账本或者书信，欢迎与我们联系。我们希望把这些珍贵的资料整理出来
        ，让更多人了解青石镇的过去。
        """,
    ),
    _article(
        "zh-bike-chain",
        "https://qixinggongfang.example/baoyang/lianyou",
        "zh",
        "qixing",
        "2023-04-22",
        "自行车链条的清洁与保养",
        """
        链条是自行车上最容易被忽视、却又最需要保养的部件之一。一条干净、润滑良好的链条，不仅骑起来更轻快，变
        速也更顺畅，还能大大延长飞轮和牙盘的使用寿命。反过来，如果长期不保养，链条沾满泥沙和油污，就会像砂纸
        一样磨损其他零件。

        一般来说，在城市里正常骑行，每骑三四百公里就应该清洁并上油一次。如果经常在雨天或者泥泞的路面上骑车，
        保养的频率还要更高一些。判断链条是否需要保养其实很简单：用手指在链条上抹一下，如果手指变得又黑又脏，
        或者骑行时听到明显的摩擦声，就说明该清洁了。

        清洁链条时，可以先用一块旧布包住链条，一只手握住，另一只手倒转脚踏，让链条从布中穿过，把表面的污垢擦
        掉。如果污垢比较多，可以用专用的洗链器，或者用旧牙刷蘸上中性清洁剂仔细刷洗链节之间的缝隙。清洗完成后
        ，一定要用干布把链条彻底擦干，不然残留的水分会让链条生锈。

        上油的时候要注意，链油并不是越多越好。正确的做法是在每一个链节的滚子上滴一滴油，然后倒转脚踏几十圈，
        让油充分渗入链条内部。等几分钟后，再用干净的布把链条表面多余的油擦掉。表面的油太多，反而容易吸附灰尘
        ，很快又会变脏。

        链油大致可以分为干式和湿式两种。干式链油不容易沾灰，适合晴天和城市道路；湿式链油附着力强，不容易被雨
        水冲掉，适合雨季和长途骑行。大家可以根据自己的骑行环境来选择。

        除了日常保养，还要定期检查链条的磨损程度。链条用久了会被拉长，可以用链条尺来测量。一旦超过标准，就应
        该及时更换，否则会加速飞轮和牙盘的磨损，到时候需要更换的零件就更多了。
        """,
    ),
    _article(
        "zh-meteor-shower",
        "https://xingkongrumen.example/rumen/liuxingyu-zhunbei",
        "zh",
        "xingkong",
        "2023-08-01",
        "第一次看流星雨需要准备什么",
        """
        每年都有好几场著名的流星雨，比如八月的英仙座流星雨和十二月的双子座流星雨。很多人听说以后兴冲冲地跑出
        去看，结果在城市的夜空下等了半天，一颗流星也没看到。其实只要提前做好准备，第一次看流星雨也可以收获满
        满。

        最重要的是找一个足够黑暗的地方。城市的灯光会把夜空照亮，只有最明亮的流星才能被看到。最好开车到远离城
        市的郊外或者山区，那里的星空要清楚得多。出发前可以查一下天气预报，选择晴朗无云的夜晚。另外还要留意月
        相，如果正好赶上满月，明亮的月光也会让很多暗一些的流星看不见。

        观看流星雨不需要望远镜，甚至也不需要双筒望远镜，用肉眼看是最好的。望远镜的视野太小，而流星可能出现在
        天空的任何位置，只有用眼睛才能看到整片天空。你需要做的，就是找一个舒服的姿势，躺下来仰望星空。准备一
        张折叠躺椅或者一块防潮垫，会让整个过程轻松很多。

        眼睛适应黑暗大约需要二十到三十分钟。在这段时间里，尽量不要看手机屏幕，因为哪怕只看一眼，眼睛的暗适应
        也要重新开始。如果需要照明，可以用红光手电筒，红光对暗适应的影响比较小。

        流星雨的最佳观测时间通常是在后半夜，这时候地球正好迎着流星体的方向转动，看到的流星数量会更多。夜里的
        气温往往比白天低很多，即使是在夏天，也最好带上外套和毯子，再准备一些热水和零食。

        最后，要保持耐心。流星的出现并不均匀，有时候十几分钟都看不到一颗，有时候又会接连出现好几颗。和朋友一
        起去，一边聊天一边等待，本身就是一件很美好的事情。
        """,
    ),
    _article(
        "zh-beginner-running",
        "https://manpaoriji.example/rumen/lingjichu-paobu",
        "zh",
        "manpao",
        "2024-01-09",
        "零基础开始跑步的建议",
        """
        越来越多的人开始把跑步当作日常锻炼的方式。跑步不需要昂贵的器材，也不受场地的限制，一双合适的鞋子就可
        以出门。不过，对于从来没有运动习惯的人来说，一开始就跑得太快、太远，很容易受伤或者失去兴趣。下面是一
        些适合新手的建议。

        第一步是选一双合脚的跑鞋。跑鞋不一定要很贵，但要穿着舒服，鞋头留出大约一个手指的空间，脚跟不会在鞋里
        滑动。最好在下午去店里试穿，因为这时候脚会比早上稍微胖一些，更接近跑步时的状态。
        如果平时走路有内八或者外八的习惯，可以请店员帮忙推荐支撑性好一些的款式。

        刚开始的时候，可以采用跑走结合的方法。比如先快走五分钟热身，然后跑一分钟、走两分钟，重复六到八次，最
        后再慢走五分钟放松。每周练习三次，每次之间休息一天，让身体有时间恢复。随着体能的提高，再逐渐增加跑步
        的时间，减少走路的时间。

        跑步的速度应该以能够正常说话为标准。如果跑的时候气喘吁吁，连一句完整的话都说不出来，就说明速度太快了
        。很多新手以为跑得越累效果越好，其实慢跑才能帮助身体打下有氧基础，也更不容易受伤。

        每周增加的跑量最好不要超过百分之十。如果膝盖、脚踝或者小腿出现持续的疼痛，应该立刻停下来休息，必要时
        去看医生，不要硬撑。跑步前后适当做一些拉伸和力量练习，对预防受伤也很有帮助。

        坚持是最难的部分。可以给自己定一个小目标，比如两个月后能够连续跑完三十分钟，或者报名参加一场五公里的
        比赛。也可以找几个朋友一起跑，互相鼓励。当跑步慢慢变成生活的一部分时，你会发现自己的睡眠、心情和精力
        都在悄悄变好。
        """,
    ),
    # ---------------------------------------------------------------- Japanese
    _article(
        "ja-miso-soup",
        "https://daidokoronote.example/recipe/misoshiru-dashi",
        "ja",
        "daidokoro",
        "2023-01-25",
        "だしから作る基本の味噌汁",
        """
        味噌汁は日本の家庭料理の基本ですが、だしをきちんと取るだけで味が驚くほど変わります。顆粒だしも便利で
        すが、時間のある日には昆布とかつお節で一からだしを取ってみてください。手間は思ったほどかかりません。

        まず、水一リットルに昆布十グラムほどを入れ、三十分以上浸しておきます。前の晩から冷蔵庫で水に浸けてお
        くと、さらにうまみがよく出ます。鍋を弱めの中火にかけ、沸騰する直前に昆布を取り出します。昆布を長く煮
        すぎると、ぬめりや雑味が出てしまうので注意しましょう。

        次に、火を強めて一度沸騰させたら火を止め、かつお節二十グラムを一度に加えます。かつお節が鍋の底に沈む
        まで二、三分待ち、キッチンペーパーを敷いたざるで静かにこします。このとき、かつお節をぎゅっと絞ると渋
        みが出るので、自然に落ちるのを待つのがコツです。

        具材は季節に合わせて自由に選べます。豆腐とわかめ、大根と油揚げ、じゃがいもと玉ねぎなどは定番の組み合
        わせです。火の通りにくい根菜は先にだしで煮て、柔らかくなってから豆腐や青菜を加えます。

        味噌は火を弱めてから溶き入れます。お玉に味噌を取り、菜箸で少しずつだしに溶かしていくと、だまになりま
        せん。味噌を入れたあとは沸騰させないようにしてください。香りが飛んでしまい、風味が落ちてしまいます。
        最後に刻んだねぎを散らせば完成です。

        残っただしは冷蔵庫で二、三日保存できます。煮物やおひたしにも使えるので、多めに取っておくと便利です。
        """,
    ),
    _article(
        "ja-bike-brakes",
        "https://jitenshaseibi.example/seibi/brake-chousei",
        "ja",
        "jitensha",
        "2022-09-30",
        "自転車のブレーキを自分で調整する方法",
        """
        ブレーキの効きが悪くなったと感じたら、早めに点検することが大切です。多くの場合、ブレーキワイヤーの張
        りを少し調整するだけで、しっかり止まれる状態に戻すことができます。ここでは一般的なリムブレーキを例に
        、自宅でできる調整の手順を紹介します。

        まず、ブレーキシューの減り具合を確認しましょう。シューの表面には溝が刻まれていて、この溝がほとんど見
        えなくなっていたら交換の時期です。また、シューがリムの中央にまっすぐ当たっているかも確認してください
        。タイヤに当たっていると、走行中にタイヤが傷んでしまい、大変危険です。

        シューに問題がなければ、ワイヤーの張りを調整します。ブレーキレバーの付け根にあるアジャスターを反時計
        回りに回すと、ワイヤーが張られてブレーキの効きが強くなります。半回転ずつ回しては、レバーを握って効き
        具合を確かめましょう。レバーを強く握ったときに、ハンドルとの間に指一本分くらいの余裕が残るのが目安で
        す。

        アジャスターだけで調整しきれない場合は、ブレーキ本体のワイヤー固定ボルトをゆるめ、ワイヤーを少し引い
        てから締め直します。このとき、ボルトを締めすぎるとワイヤーがほつれる原因になるので、適度な力で締める
        ようにしてください。

        調整が終わったら、車輪を手で回して、シューがリムに触れていないかを確認します。最後に、人の少ない安全
        な場所で実際に走り、低速からブレーキをかけてみましょう。少しでも不安があれば、無理をせずに自転車店で
        点検してもらうことをおすすめします。
        """,
    ),
    # ---------------------------------------------------------------- German
    _article(
        "de-herbs-winter",
        "https://balkongruen.example/pflanzen/kraeuter-ueberwintern",
        "de",
        "balkongruen",
        "2023-10-12",
        "Kräuter auf dem Balkon überwintern",
        """
        Viele Hobbygärtner ziehen im Frühjahr Kräuter auf dem Balkon und lassen sie im Herbst einfach
        erfrieren. Das ist schade, denn mit etwas Planung überstehen viele Arten den Winter ohne Probleme
        und treiben im nächsten Jahr kräftiger aus als jede frisch gekaufte Pflanze.

        Zunächst lohnt es sich, die Kräuter in zwei Gruppen einzuteilen. Winterharte Arten wie Schnittlauch,
        Thymian, Salbei und Oregano vertragen leichten bis mäßigen Frost und können draußen bleiben.
        Empfindliche Pflanzen wie Basilikum, Zitronenverbene oder Rosmarin aus wärmeren Regionen müssen
        dagegen vor dem ersten Frost ins Haus.

        Auch winterharte Kräuter brauchen im Topf etwas Schutz, weil die Wurzeln im Kübel viel schneller
        durchfrieren als im Gartenbeet. Stellen Sie die Töpfe dicht an die Hauswand und umwickeln Sie sie
        mit Jute, Vlies oder Luftpolsterfolie. Eine Holzplatte oder eine Styroporplatte unter dem Topf
        verhindert, dass die Kälte von unten eindringt.

        Ein häufiger Fehler ist zu viel Wasser. Im Winter wachsen die Pflanzen kaum, und nasse Erde fault
        leicht oder friert zu einem Eisklumpen. Gießen Sie nur an frostfreien Tagen und nur so viel, dass
        der Wurzelballen nicht völlig austrocknet. Immergrüne Kräuter wie Thymian verdunsten auch im Winter
        Wasser und dürfen deshalb nie ganz trocken stehen.

        Empfindliche Kräuter überwintern am besten an einem hellen, kühlen Ort mit etwa fünf bis zehn Grad,
        zum Beispiel in einem unbeheizten Treppenhaus oder einem Wintergarten. Ein warmes Wohnzimmer ist
        weniger geeignet, weil die trockene Heizungsluft die Pflanzen schwächt und Schädlinge anlockt.

        Im März können Sie die Pflanzen langsam wieder an die Sonne gewöhnen. Schneiden Sie trockene Triebe
        zurück und geben Sie frische Erde in die Töpfe. Schon nach wenigen Wochen zeigen sich die ersten
        neuen Blätter.
        """,
    ),
    _article(
        "de-winter-sky",
        "https://himmelsblick.example/einsteiger/winterhimmel",
        "de",
        "himmelsblick",
        "2024-01-17",
        "Der Winterhimmel für Einsteiger",
        """
        Die langen Winternächte sind die beste Zeit, um mit der Himmelsbeobachtung anzufangen. Es wird früh
        dunkel, die Luft ist oft klar, und am Himmel stehen einige der hellsten und auffälligsten
        Sternbilder des ganzen Jahres. Für den Anfang brauchen Sie weder ein Teleskop noch eine teure
        Ausrüstung, sondern nur warme Kleidung und etwas Geduld.

        Der beste Ausgangspunkt ist der Orion. An einem Abend im Januar steht er gegen neun Uhr hoch im
        Süden. Drei helle Sterne in einer kurzen, schrägen Reihe bilden seinen Gürtel, und darüber und
        darunter leuchten zwei besonders helle Sterne: der rötliche Beteigeuze und der bläulich weiße Rigel.
        Wer genau hinsieht, erkennt unterhalb des Gürtels einen kleinen, verschwommenen Fleck. Das ist der
        Orionnebel, eine riesige Gaswolke, in der neue Sterne entstehen.

        Verlängert man die Linie des Gürtels nach links unten, trifft man auf Sirius, den hellsten Stern am
        Nachthimmel. In die andere Richtung zeigt die Linie auf den orangefarbenen Aldebaran im Sternbild
        Stier und weiter auf die Plejaden, einen kleinen Sternhaufen, der mit bloßem Auge wie eine winzige
        Wolke aus Lichtpunkten aussieht.

        Damit sich die Augen an die Dunkelheit gewöhnen können, sollten Sie mindestens zwanzig Minuten im
        Freien bleiben und nicht auf das helle Display eines Telefons schauen. Eine Taschenlampe mit rotem
        Licht hilft beim Lesen einer Sternkarte, ohne die Anpassung der Augen zu stören.

        Ein einfaches Fernglas zeigt erstaunlich viel mehr als das bloße Auge. Im Orionnebel, in den
        Plejaden und entlang der Milchstraße werden plötzlich Dutzende zusätzliche Sterne sichtbar. Viele
        erfahrene Beobachter empfehlen deshalb, zuerst ein gutes Fernglas zu kaufen und erst später über ein
        Teleskop nachzudenken.
        """,
    ),
    # ---------------------------------------------------------------- French
    _article(
        "fr-apricot-jam",
        "https://cuisinedemargot.example/conserves/confiture-abricots",
        "fr",
        "margot",
        "2023-06-29",
        "Confiture d'abricots maison, sans pectine ajoutée",
        """
        Au début de l'été, quand les abricots arrivent en grande quantité sur les marchés, c'est le moment
        idéal pour préparer quelques pots de confiture. Cette recette n'utilise que des fruits, du sucre et
        un peu de jus de citron. Elle demande un peu de temps, mais le résultat a un goût bien plus intense
        que celui des confitures du commerce.

        Choisissez des abricots bien mûrs mais encore fermes. Lavez-les, coupez-les en deux et retirez les
        noyaux. Pour un kilo de fruits dénoyautés, comptez environ sept cents grammes de sucre et le jus
        d'un demi-citron. Mélangez le tout dans un grand saladier, couvrez et laissez macérer une nuit au
        réfrigérateur. Le sucre va faire sortir le jus des fruits et la cuisson sera plus rapide le
        lendemain.

        Le jour suivant, versez la préparation dans une grande bassine ou une casserole à fond épais. Portez
        à ébullition en remuant régulièrement avec une cuillère en bois, puis laissez cuire à feu moyen
        pendant vingt à trente minutes. Retirez l'écume qui se forme à la surface avec une écumoire.

        Pour savoir si la confiture est prête, déposez une petite cuillerée sur une assiette froide que vous
        aurez placée au congélateur. Si la goutte se fige et se ride légèrement quand on la pousse du doigt,
        la cuisson est terminée. Sinon, prolongez de quelques minutes et recommencez le test.

        Pendant la cuisson, lavez soigneusement les pots et les couvercles, puis stérilisez-les dans l'eau
        bouillante. Remplissez-les de confiture bouillante jusqu'à un centimètre du bord, fermez aussitôt et
        retournez-les pendant quelques minutes. Conservés au frais et à l'abri de la lumière, ils se gardent
        sans difficulté jusqu'à l'été suivant.
        """,
    ),
    _article(
        "fr-village-washhouse",
        "https://amisdevaudreuil.example/patrimoine/lavoir",
        "fr",
        "vaudreuil",
        "2022-09-17",
        "Le lavoir de Vaudreuil-sur-Lisse, mémoire du village",
        """
        Au bord de la Lisse, à quelques pas de l'église, se trouve un petit bâtiment couvert de tuiles que
        les promeneurs prennent souvent pour une simple remise. Il s'agit en réalité du lavoir communal,
        construit en 1854 et restauré par notre association il y a trois ans.

        Avant l'arrivée de l'eau courante dans les maisons, le linge de toute la famille était lavé à la
        main. Les femmes du village venaient au lavoir avec leur brouette chargée de draps et de vêtements,
        s'agenouillaient dans une caisse en bois garnie de paille et frappaient le linge avec un battoir sur
        la pierre inclinée. Le travail était pénible, surtout en hiver, lorsque l'eau de la rivière était
        glaciale.

        Le lavoir n'était pourtant pas seulement un lieu de labeur. Pour beaucoup de villageoises, c'était
        aussi l'un des rares endroits où l'on pouvait se retrouver entre soi, échanger des nouvelles et
        commenter la vie du village. Plusieurs anciennes habitantes nous ont raconté les chansons que l'on y
        chantait et les disputes qui éclataient parfois pour une place près de l'arrivée d'eau.

        Avec l'installation du réseau d'eau en 1962 et l'apparition des machines à laver, le lavoir a peu à
        peu été abandonné. Le toit s'est affaissé, et dans les années quatre-vingt, certains proposaient
        même de le démolir pour agrandir le parking de la place.

        Grâce aux dons des habitants et au travail de nombreux bénévoles, la charpente a été refaite et les
        pierres du bassin ont été nettoyées. Chaque année, lors des journées du patrimoine, nous y
        organisons une petite exposition de photographies anciennes. Si vous possédez des images ou des
        souvenirs liés au lavoir, n'hésitez pas à nous les confier.
        """,
    ),
    # ---------------------------------------------------------------- Spanish
    _article(
        "es-potato-omelette",
        "https://cocinadecasa.example/recetas/tortilla-de-patatas",
        "es",
        "cocinadecasa",
        "2023-02-14",
        "Cómo hacer una tortilla de patatas jugosa",
        """
        La tortilla de patatas es uno de los platos más sencillos y, al mismo tiempo, más discutidos de la
        cocina española. Cada familia tiene su propia versión, con o sin cebolla, más hecha o más jugosa,
        pero todas comparten la misma base: patatas, huevos, aceite de oliva y sal. Esta es la receta que
        preparamos en casa desde hace años.

        Para una tortilla de tamaño mediano necesitarás unos setecientos gramos de patatas, una cebolla
        grande, seis huevos y abundante aceite de oliva. Pela las patatas y córtalas en láminas finas, de
        unos tres milímetros de grosor. Corta también la cebolla en tiras finas y mezcla ambas cosas en un
        cuenco con una buena pizca de sal.

        Calienta el aceite en una sartén amplia, sin que llegue a humear, y añade las patatas y la cebolla.
        La idea no es freírlas, sino confitarlas a fuego medio bajo durante unos veinte minutos, removiendo
        de vez en cuando, hasta que estén tiernas y apenas doradas. Después escúrrelas bien en un colador y
        guarda el aceite para otras preparaciones.

        Bate los huevos en un cuenco grande, añade las patatas todavía calientes y deja reposar la mezcla
        unos diez minutos. Este paso es importante, porque las patatas absorben parte del huevo y la
        tortilla queda más jugosa y compacta.

        Pon una sartén pequeña con una cucharada de aceite a fuego medio alto y vierte la mezcla. Mueve la
        sartén durante el primer minuto para que no se pegue y baja el fuego. Cuando los bordes estén
        cuajados, coloca un plato grande encima, dale la vuelta con un gesto decidido y desliza la tortilla
        de nuevo en la sartén. Cocina un minuto más si te gusta jugosa, o un poco más si la prefieres bien
        cuajada.
        """,
    ),
    # ---------------------------------------------------------------- Russian
    _article(
        "ru-first-telescope",
        "https://zvezdnoenebo.example/oborudovanie/pervyi-teleskop",
        "ru",
        "zvezdnoe",
        "2023-12-03",
        "Как выбрать первый телескоп",
        """
        Многие начинающие любители астрономии покупают первый телескоп, ориентируясь на увеличение, которое
        крупно написано на коробке. Это одна из самых распространённых ошибок. Гораздо важнее диаметр
        объектива, ведь именно он определяет, сколько света соберёт прибор и насколько мелкие детали вы
        сможете разглядеть.

        Для первого знакомства с небом хорошо подходит рефлектор на простой монтировке Добсона с диаметром
        зеркала от ста пятидесяти миллиметров. Такой телескоп относительно недорог, легко собирается и
        показывает кольца Сатурна, полосы на Юпитере, кратеры на Луне и множество звёздных скоплений.
        Рефракторы меньшего размера удобнее переносить, но при той же цене они обычно собирают меньше света.

        Обратите внимание и на окуляры, которые идут в комплекте. Дешёвые телескопы часто продаются с
        окулярами низкого качества и линзой Барлоу, обещающей огромное увеличение. На практике полезное
        увеличение редко превышает удвоенный диаметр объектива в миллиметрах, а в обычную ночь атмосфера
        позволяет ещё меньше. Лучше докупить один хороший окуляр, чем пользоваться целым набором плохих.

        Не стоит гнаться за компьютерной монтировкой с автоматическим наведением. Она стоит дорого, требует
        питания и настройки, а новичку полезнее самому научиться находить объекты по звёздной карте. Умение
        ориентироваться на небе останется с вами навсегда, какой бы телескоп вы ни купили потом.

        Прежде чем покупать прибор, подумайте, где вы будете наблюдать. Если телескоп придётся каждый раз
        выносить с пятого этажа или везти за город на машине, слишком громоздкая модель быстро начнёт
        пылиться в углу. Лучший телескоп тот, которым вы действительно пользуетесь.

        Наконец, не забывайте о простом бинокле. Хороший бинокль с увеличением около десяти раз позволяет
        увидеть спутники Юпитера, фазы Венеры и сотни звёзд, невидимых невооружённым глазом. Многие опытные
        наблюдатели советуют начинать именно с него, а телескоп покупать тогда, когда вы уже хорошо знаете
        небо.
        """,
    ),
]


def _other(
    page_id: str,
    url: str,
    language: str,
    kind: Kind,
    site: str,
    title: str,
    paragraphs: list[str],
    layout: Layout,
    published: str = "2024-04-01",
) -> Page:
    return Page(
        id=page_id,
        url=url,
        language=language,
        kind=kind,
        title=title,
        paragraphs=tuple(paragraphs),
        site=SITES[site],
        published=published,
        layout=layout,
    )


_ZH_LINK_LABELS = [
    "免费电影在线观看",
    "高清电视剧大全",
    "最新手游下载",
    "彩票开奖结果查询",
    "网购优惠券领取",
    "明星八卦新闻",
    "小说排行榜",
    "免费小说阅读",
    "股票行情实时查询",
    "天气预报查询",
    "快递单号查询",
    "火车票余票查询",
    "二手车报价",
    "装修效果图",
    "美女图片大全",
    "网页游戏开服表",
    "免费音乐下载",
    "在线翻译工具",
    "手机号码归属地",
    "星座运势查询",
    "热门短视频",
    "兼职赚钱平台",
    "贷款额度测试",
    "减肥方法大全",
]

# Invented, minified-looking script text that a broken page dumps into its body instead of prose.
_CODE_LINES = [
    '!function(e,t){"use strict";var n=e.document,r={},o=[];function i(e){return null==e?"":String(e)}',
    "function a(e,t){for(var n in t)Object.prototype.hasOwnProperty.call(t,n)&&(e[n]=t[n]);return e}",
    'r.init=function(c){c=a({root:"#app",lazy:!0,retry:3},c||{});var s=n.querySelector(c.root);',
    'if(!s){return console.warn("mount point missing: "+c.root),!1}s.setAttribute("data-ready","1");',
    'o.push({t:Date.now(),k:"boot"});return t(s,c)};',
    "r.track=function(k,v){o.push({t:Date.now(),k:k,v:i(v)})};",
    "r.flush=function(){var q=o.splice(0,o.length);if(!q.length)return;var x=new XMLHttpRequest;",
    'x.open("POST","/collect",!0);x.setRequestHeader("Content-Type","application/json");',
    'x.send(JSON.stringify({events:q,v:2}))};e.addEventListener("beforeunload",r.flush);',
    'e.AppBoot=r}(window,function(s,c){var w=s.getBoundingClientRect().width|0;s.className+=" w"+w;',
    'return{el:s,opts:c,width:w,ready:!0}});AppBoot.init({root:"#main",lazy:!1});',
    'AppBoot.track("view",location.pathname);setInterval(function(){AppBoot.flush()},15e3);',
]

SPAM: list[Page] = [
    _other(
        "spam-en-loans-keywords",
        "https://quickcashloans.example/payday-loans-online-no-credit-check",
        "en",
        "spam",
        "quickcash",
        "Payday Loans Online No Credit Check Instant Approval Payday Loans",
        [
            "Payday loans online no credit check. Fast payday loans, instant payday loans, payday loans no "
            "credit check, online payday loans instant approval, same day payday loans, cash advance payday "
            "loans, bad credit payday loans, easy payday loans online.",
            "Looking for payday loans? Our payday loans online are the best payday loans. Get payday loans "
            "now with payday loans no credit check and payday loans instant approval. Payday loans payday "
            "loans payday loans.",
            "Cheap loans, fast loans, quick loans, easy loans, online loans, cash loans, instant loans, "
            "personal loans, no credit check loans, guaranteed loans, loans today, loans now, loans loans.",
            "Apply for payday loans online no credit check instant approval today!",
            "Tags: payday loans, payday loans online, payday loans no credit check, payday loans instant "
            "approval, fast payday loans, cash loans, quick loans, easy loans.",
        ],
        "article",
    ),
    _other(
        "spam-en-shoes-repeated",
        "https://cheapshoesoutlet.example/best-cheap-shoes",
        "en",
        "spam",
        "shoes",
        "Best Cheap Shoes",
        ["best cheap shoes best cheap shoes best cheap shoes buy now free shipping"] * 30,
        "article",
    ),
    _other(
        "spam-zh-diet-keywords",
        "https://jianfeicha.example/jianfeicha-paihangbang",
        "zh",
        "spam",
        "jianfei",
        "减肥茶 减肥茶哪个牌子好 快速减肥 减肥茶官网",
        [
            "减肥茶，减肥茶哪个牌子好，减肥茶效果怎么样，快速减肥茶，正品减肥茶，减肥茶官网，减肥茶价格，"
            "减肥茶排行榜，减肥茶正品，减肥茶批发，减肥茶代理。",
            "减肥茶减肥茶减肥茶，快速减肥，快速瘦身，一周瘦十斤，不节食不运动，躺着也能瘦，减肥茶官网正品，"
            "减肥茶厂家直销，减肥茶货到付款。",
            "减肥药，减肥产品，减肥方法，最有效的减肥方法，快速减肥方法，减肥食谱，减肥茶，减肥茶，减肥茶。",
            "关键词：减肥茶，减肥茶哪个好，减肥茶排行榜，减肥茶官网，减肥茶价格，快速减肥。",
        ],
        "article",
    ),
    _other(
        "spam-zh-link-list",
        "https://wangzhidaohang.example/",
        "zh",
        "spam",
        "daohang",
        "网址导航 热门网站大全",
        _ZH_LINK_LABELS,
        "links",
    ),
    _other(
        "spam-lorem-ipsum",
        "https://mynewblog.example/sample-page/",
        "la",
        "spam",
        "template",
        "Sample Page",
        [
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Varius tempor nulla quis pretium, "
            "lectus mollis ante fermentum dapibus. Integer vitae odio nec massa porttitor aliquet sed eget "
            "magna.",
            "Donec lacus ornare, vehicula ipsum quis, placerat augue. Curabitur felis metus, tincidunt sed "
            "posuere at, fringilla nec nibh. Aenean sodales risus a velit cursus, in faucibus ante rutrum.",
            "Maecenas gravida tellus non purus luctus, vitae pharetra nisl volutpat. Nam commodo sapien et "
            "ligula viverra, eget congue mauris tristique. Proin ultrices ex at sem blandit iaculis.",
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Suspendisse potenti. Etiam quis erat "
            "ut lorem elementum semper vel in dolor.",
        ],
        "article",
    ),
    _other(
        "spam-en-script-dump",
        "https://appcdn-static.example/app/loader",
        "en",
        "spam",
        "appcdn",
        "Loading",
        _CODE_LINES,
        "code",
    ),
    _other(
        "spam-en-one-line",
        "https://prize-claim-now.example/claim",
        "en",
        "spam",
        "prize",
        "Click here to claim your free prize",
        [],
        "notice",
    ),
]

BOILERPLATE: list[Page] = [
    _other(
        "bp-en-login",
        "https://spokeandchain.example/account/login",
        "en",
        "boilerplate",
        "spokeandchain",
        "Sign in",
        [
            "Email address",
            "Password",
            "Keep me signed in",
            "Forgot your password?",
            "New here? Create an account",
        ],
        "form",
    ),
    _other(
        "bp-zh-not-found",
        "https://xiaozaobiji.example/caipu/hongshao-yu-2019",
        "zh",
        "boilerplate",
        "xiaozao",
        "页面未找到",
        ["抱歉，您访问的页面不存在或已被删除。", "返回首页"],
        "notice",
    ),
    _other(
        "bp-en-cookie-wall",
        "https://marrowfieldgazette.example/news/",
        "en",
        "boilerplate",
        "gazette",
        "Before you continue",
        [
            "We and our partners use cookies and similar technologies to store and access information on "
            "your device, to measure audiences and to show you personalised content.",
            "You can accept all, reject optional cookies or choose your settings at any time.",
        ],
        "consent",
    ),
]


def _exact_duplicate(original: Page, page_id: str, url: str, site: str | None = None) -> Page:
    """The same article under another URL.

    On the original's own site the HTML is byte-identical (canonical link included, as real tracking-parameter
    and trailing-slash variants are); on another site only the extracted text is identical, as with a scraper.
    """
    same_site = site is None
    return dataclasses.replace(
        original,
        id=page_id,
        url=url,
        kind="duplicate",
        duplicate_of=original.id,
        site=original.site if same_site else SITES[site],
        canonical=(original.canonical or original.url) if same_site else None,
    )


def _near_duplicate(
    original: Page,
    page_id: str,
    url: str,
    old: str,
    new: str,
    published: str,
    footer_note: str,
    site: str | None = None,
) -> Page:
    """The same article with one sentence rewritten and a different date and footer."""
    paragraphs = tuple(p.replace(old, new) for p in original.paragraphs)
    # Guard against silent no-ops if an article is edited later: exactly one sentence must change.
    changed = sum(a != b for a, b in zip(original.paragraphs, paragraphs, strict=True))
    if changed != 1 or sum(p.count(old) for p in original.paragraphs) != 1:
        raise ValueError(f"{page_id}: {old!r} must occur exactly once in {original.id}")
    return dataclasses.replace(
        original,
        id=page_id,
        url=url,
        kind="near_duplicate",
        duplicate_of=original.id,
        paragraphs=paragraphs,
        published=published,
        footer_note=footer_note,
        site=original.site if site is None else SITES[site],
        canonical=None,
    )


_BY_ID = {page.id: page for page in ARTICLES}

DUPLICATES: list[Page] = [
    _exact_duplicate(
        _BY_ID["en-sourdough-starter"],
        "dup-en-sourdough-starter-utm",
        "https://hearthandcrumb.example/recipes/rye-sourdough-starter?utm_source=newsletter&utm_medium=email",
    ),
    _exact_duplicate(
        _BY_ID["zh-tomato-egg"],
        "dup-zh-tomato-egg-mirror",
        "https://caipudaquan.example/hot/fanqie-chaodan-zuofa.html",
        site="caipudaquan",
    ),
    _exact_duplicate(
        _BY_ID["de-winter-sky"],
        "dup-de-winter-sky-slash",
        "https://himmelsblick.example/einsteiger/winterhimmel/",
    ),
    _near_duplicate(
        _BY_ID["en-flat-tire"],
        "near-en-flat-tire-2024",
        "https://spokeandchain.example/guides/fix-a-flat-tire-2024",
        "takes about fifteen minutes",
        "takes about ten minutes once you have done it a couple of times",
        "2024-03-30",
        "Updated for the 2024 season.",
    ),
    _near_duplicate(
        _BY_ID["en-marrowfield-mill"],
        "near-en-marrowfield-mill-gazette",
        "https://marrowfieldgazette.example/community/history-corner-fulling-mill",
        "The society hopes to place an information board beside the weir next spring",
        "An information board about the mill was unveiled beside the weir this spring",
        "2024-04-26",
        "History Corner is written each month by members of the Marrowfield Historical Society.",
        site="gazette",
    ),
    _near_duplicate(
        _BY_ID["zh-meteor-shower"],
        "near-zh-meteor-shower-repost",
        "https://xingkongrumen.example/rumen/liuxingyu-zhunbei-2024",
        "比如八月的英仙座流星雨和十二月的双子座流星雨",
        "比如一月的象限仪座流星雨、八月的英仙座流星雨和十二月的双子座流星雨",
        "2024-07-20",
        "本文首发于2023年，2024年7月更新。",
    ),
]

PAGES: list[Page] = [*ARTICLES, *SPAM, *BOILERPLATE, *DUPLICATES]
