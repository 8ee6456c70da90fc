"""The demo city's event categories: what citizens, grid workers and the 110 desk report.

Names follow the categories that 12345 hotlines, grid platforms, police desks, petition
offices and enterprise service centres publish. Each category says which channels report
it, how common it is, what drives it (rain, pollution, the crowd at the venue, night, heat
or cold) and a sentence template for its description ("{}" is the place).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.demo.sources import SOURCE_BY_SHORT, SOURCES

DOMAINS = ("hotline", "grid_governance", "public_safety", "disputes", "petitions", "enterprise",
           "traffic", "environment", "water_flood", "utilities", "crowding", "emergency",
           "city_management")
DRIVERS = ("none", "rain", "wet", "pollution", "crowd", "heat", "cold", "night")
LEVELS = {1: "district", 2: "street", 3: "community"}
ENTERPRISE_SLA_H = 168.0    # the "117" rule: reply in 1 hour, plan in 24, finished in 7 days
PETITION_SLA_H = 720.0      # petitions are answered within 30 days


@dataclass(frozen=True)
class Category:
    """One event category with its service level, owner, channels and driver."""

    code: str
    name_zh: str
    name_en: str
    sla_hours: float
    default_level: int
    department: str
    sources: tuple[str, ...]    # source ids that may report it
    weight: float               # relative volume within each of its sources on an ordinary hour
    driver: str                 # one of DRIVERS
    template: str               # description; "{}" is replaced by the place name

    @property
    def domain(self) -> str:
        """Return the indicator domain, the code's prefix."""
        return self.code.split(".", 1)[0]


def _c(code: str, name_zh: str, name_en: str, sla: float, level: int, dept: str, sources: str, weight: float,
       driver: str, template: str) -> Category:
    """Build a Category from one table row; ``sources`` lists short source names."""
    ids = tuple(SOURCES[SOURCE_BY_SHORT[s]].id for s in sources.split())
    return Category(code, name_zh, name_en, float(sla), level, dept, ids, weight, driver, template)


_E, _P = ENTERPRISE_SLA_H, PETITION_SLA_H

CATEGORIES: tuple[Category, ...] = (
    # 12345 hotline requests that no other domain owns
    _c("hotline.noise", "噪音扰民", "Noise disturbance", 72, 3, "生态环境局", "hotline app police", 7.0, "night",
       "{}居民反映夜间噪音扰民，影响休息"),
    _c("hotline.consumer_complaint", "消费投诉", "Consumer complaint", 168, 2, "市场监管局", "hotline", 6.0,
       "none", "{}一商户销售商品存在质量问题，消费者要求退换"),
    _c("hotline.food_safety", "食品安全", "Food safety", 72, 2, "市场监管局", "hotline grid", 2.0, "heat",
       "{}一餐饮店卫生条件差，疑似存在食品安全问题"),
    _c("hotline.policy_inquiry", "政策咨询", "Policy inquiry", 24, 1, "政务服务办", "hotline", 8.0, "none",
       "{}市民咨询户籍、社保等办事政策"),
    _c("hotline.social_insurance", "社保医保", "Social and medical insurance", 72, 1, "人社局", "hotline", 3.0,
       "none", "{}市民反映社保医保待遇办理问题"),
    _c("hotline.education", "教育服务", "Education services", 120, 1, "教育局", "hotline", 2.5, "none",
       "{}家长反映学校收费及招生问题"),
    _c("hotline.healthcare", "医疗卫生", "Healthcare services", 120, 1, "卫健委", "hotline", 2.0, "none",
       "{}市民反映医院服务态度及就医问题"),
    _c("hotline.housing_quality", "房屋质量", "Housing quality", 168, 1, "住建局", "hotline", 1.5, "wet",
       "{}小区住户反映房屋渗漏、墙体开裂"),
    _c("hotline.dog_nuisance", "不文明养犬", "Uncivil dog keeping", 72, 3, "公安局", "hotline app grid", 1.5, "none",
       "{}有居民遛狗不牵绳，存在伤人隐患"),
    _c("hotline.elderly_services", "养老服务", "Elderly care services", 120, 2, "民政局", "hotline grid", 1.0, "none",
       "{}老人反映居家养老服务问题"),
    # city management (城管), much of it from the 市民城管通 app
    _c("city_management.street_vending", "占道经营", "Street vending", 48, 3, "城管局", "hotline grid app", 5.0,
       "night", "{}路边有流动摊贩占道经营"),
    _c("city_management.garbage_collection", "垃圾清运", "Garbage collection", 24, 3, "城管局", "hotline grid app",
       5.0, "heat", "{}生活垃圾堆积未及时清运，气味难闻"),
    _c("city_management.street_light", "路灯故障", "Street light failure", 72, 3, "城管局", "hotline grid app", 3.0,
       "none", "{}路段路灯不亮，夜间出行不便"),
    _c("city_management.manhole_cover", "井盖缺失", "Missing manhole cover", 12, 2, "城管局", "hotline grid app", 1.5,
       "wet", "{}道路井盖缺失破损，存在安全隐患"),
    _c("city_management.flyposting", "乱张贴", "Illegal flyposting", 48, 3, "城管局", "grid app", 3.0, "none",
       "{}墙面、电线杆上乱张贴小广告"),
    _c("city_management.road_damage", "道路破损", "Road damage", 72, 2, "住建局", "hotline grid app", 2.5, "wet",
       "{}路面坑洼破损，车辆行人通行不便"),
    _c("city_management.fallen_tree", "树木倒伏", "Fallen tree", 12, 2, "城管局", "hotline grid app police", 0.4,
       "rain", "{}有树木倒伏阻断道路"),
    _c("city_management.shared_bikes", "共享单车乱停放", "Badly parked shared bikes", 24, 3, "城管局",
       "hotline app grid", 2.5, "none", "{}共享单车乱停乱放，堵塞人行道"),
    _c("city_management.outdoor_signage", "户外广告隐患", "Unsafe outdoor signage", 72, 2, "城管局", "grid app", 0.8,
       "rain", "{}户外广告牌松动，存在坠落隐患"),
    _c("city_management.green_damage", "绿化损毁", "Damaged greenery", 72, 3, "城管局", "grid app", 1.0, "none",
       "{}公共绿地被毁，有人私自种菜"),
    _c("city_management.public_toilet", "公厕管理", "Public toilet upkeep", 48, 3, "城管局", "hotline app", 0.8,
       "none", "{}公共厕所卫生差、设施损坏"),
    # grid governance: what grid workers find on their rounds
    _c("grid_governance.safety_hazard", "安全隐患", "Safety hazard", 48, 3, "应急管理局", "grid hotline", 5.0, "none",
       "{}网格员巡查发现安全隐患"),
    _c("grid_governance.fire_lane", "消防通道堵塞", "Blocked fire lane", 24, 3, "消防救援支队", "grid hotline app",
       3.0, "none", "{}小区消防通道被车辆杂物堵塞"),
    _c("grid_governance.illegal_building", "违法建设", "Illegal construction", 168, 2, "城管局", "grid hotline app",
       2.5, "none", "{}有住户私自搭建违章建筑"),
    _c("grid_governance.sanitation", "环境卫生", "Environmental sanitation", 24, 3, "城管局", "grid app", 6.0, "none",
       "{}公共区域环境卫生脏乱差"),
    _c("grid_governance.ebike_charging", "电动车违规充电", "Unsafe e-bike charging", 24, 3, "消防救援支队",
       "grid hotline", 2.5, "none", "{}楼道内电动车飞线充电，存在火灾隐患"),
    _c("grid_governance.rental_housing", "出租房屋管理", "Rental housing registration", 72, 3, "公安局", "grid", 2.5,
       "none", "{}出租房屋人员信息未登记"),
    _c("grid_governance.vulnerable_residents", "特殊人群关爱", "Care for vulnerable residents", 72, 3, "民政局",
       "grid", 2.0, "cold", "{}走访发现独居老人生活困难，需要帮扶"),
    _c("grid_governance.population_record", "人口信息变动", "Population record change", 72, 3, "公安局", "grid", 4.0,
       "none", "{}网格员采集人口信息变动"),
    _c("grid_governance.facility_damage", "公共设施损坏", "Damaged public facility", 72, 3, "城管局",
       "grid app hotline", 2.0, "none", "{}健身器材、座椅等公共设施损坏"),
    # disputes and mediation (矛盾纠纷)
    _c("disputes.neighbour", "邻里纠纷", "Neighbour dispute", 72, 3, "司法局", "grid hotline police", 3.0, "night",
       "{}邻里之间因漏水、噪音等问题发生纠纷"),
    _c("disputes.property_management", "物业纠纷", "Property management dispute", 120, 3, "住建局", "hotline grid",
       4.5, "none", "{}业主与物业公司因收费、服务问题产生纠纷"),
    _c("disputes.wage_arrears", "劳资纠纷", "Wage arrears", 168, 2, "人社局", "hotline grid petition police", 3.0,
       "none", "{}有工人反映被拖欠工资"),
    _c("disputes.family", "婚姻家庭纠纷", "Family dispute", 72, 3, "司法局", "grid police", 1.5, "night",
       "{}家庭成员之间发生矛盾纠纷"),
    _c("disputes.nightlife", "夜间经营纠纷", "Nightlife dispute", 12, 3, "公安局", "police hotline", 1.5, "night",
       "{}烧烤、酒吧等夜间经营场所发生纠纷"),
    _c("disputes.land_contract", "土地承包纠纷", "Land contract dispute", 168, 2, "农业农村局", "grid petition", 0.8,
       "none", "{}村民因土地承包经营权发生纠纷"),
    _c("disputes.mediation_request", "调解申请", "Mediation request", 72, 3, "司法局", "app grid", 1.5, "none",
       "{}当事人申请人民调解"),
    # public safety: the 110 desk
    _c("public_safety.theft", "盗窃", "Theft", 24, 2, "公安局", "police hotline", 5.0, "none",
       "{}有群众报警称财物被盗"),
    _c("public_safety.fight", "打架斗殴", "Fight", 2, 2, "公安局", "police", 3.0, "night", "{}有人打架斗殴"),
    _c("public_safety.assistance", "群众求助", "Request for help", 2, 3, "公安局", "police hotline", 8.0, "none",
       "{}群众求助，需要民警到场帮助"),
    _c("public_safety.fraud", "电信诈骗", "Telecom fraud", 72, 1, "公安局", "police hotline", 2.5, "none",
       "{}有市民报警称遭遇电信网络诈骗"),
    _c("public_safety.suspicious", "可疑情况", "Suspicious activity", 6, 3, "公安局", "police grid", 2.0, "night",
       "{}发现可疑人员在小区内徘徊"),
    _c("public_safety.drunk", "醉酒滋事", "Drunken disorder", 2, 3, "公安局", "police", 1.5, "night",
       "{}有人醉酒滋事"),
    _c("public_safety.lost_item", "物品遗失", "Lost property", 24, 3, "公安局", "police hotline", 2.0, "none",
       "{}市民遗失随身物品，请求帮助查找"),
    # traffic
    _c("traffic.accident", "交通事故", "Traffic accident", 2, 2, "交警支队", "police hotline", 6.0, "wet",
       "{}发生交通事故，车辆受损"),
    _c("traffic.illegal_parking", "违章停车", "Illegal parking", 24, 3, "交警支队", "hotline app police", 6.0, "none",
       "{}车辆违章停放，堵塞通道"),
    _c("traffic.congestion", "交通拥堵", "Traffic congestion", 2, 2, "交警支队", "police hotline app", 2.0, "wet",
       "{}路口车辆拥堵严重"),
    _c("traffic.signal_fault", "信号灯故障", "Traffic signal fault", 12, 2, "交警支队", "hotline app police", 1.0,
       "rain", "{}路口信号灯故障"),
    _c("traffic.taxi_service", "出租车网约车投诉", "Taxi and ride-hailing complaint", 120, 2, "交通运输局",
       "hotline", 2.0, "none", "{}乘客投诉出租车拒载、绕路"),
    _c("traffic.bus_service", "公交服务", "Bus service", 72, 2, "交通运输局", "hotline app", 2.0, "none",
       "{}市民反映公交车晚点、站点设置不合理"),
    _c("traffic.venue_control", "交通管制疏导", "Traffic control near the venue", 1, 2, "交警支队", "police", 0.3,
       "crowd", "{}活动场馆周边车流人流密集，需交通疏导"),
    # environment
    _c("environment.smoke", "烟尘污染", "Smoke pollution", 48, 2, "生态环境局", "hotline grid app", 1.5, "pollution",
       "{}企业烟囱冒黑烟"),
    _c("environment.dust", "扬尘污染", "Construction dust", 24, 2, "住建局", "hotline grid app", 2.0, "pollution",
       "{}工地施工扬尘严重，未采取覆盖措施"),
    _c("environment.open_burning", "焚烧秸秆垃圾", "Open burning of straw and waste", 4, 3, "生态环境局",
       "grid hotline", 0.8, "pollution", "{}有人露天焚烧秸秆、垃圾"),
    _c("environment.odour", "异味扰民", "Odour nuisance", 48, 2, "生态环境局", "hotline app", 1.5, "pollution",
       "{}空气中有刺鼻异味"),
    _c("environment.catering_fumes", "餐饮油烟", "Restaurant fumes", 72, 3, "城管局", "hotline app", 2.0, "night",
       "{}餐饮店油烟直排扰民"),
    _c("environment.water_pollution", "水体污染", "Water pollution", 48, 2, "生态环境局", "hotline grid", 1.0, "none",
       "{}河道水体发黑发臭"),
    # water and flood control
    _c("water_flood.waterlogging", "道路积水", "Road waterlogging", 4, 2, "水务局", "hotline grid app police", 0.5,
       "rain", "{}道路积水严重，车辆行人无法通行"),
    _c("water_flood.manhole_overflow", "窨井冒溢", "Manhole overflow", 6, 2, "水务局", "hotline grid app", 0.4, "rain",
       "{}窨井污水冒溢"),
    _c("water_flood.basement_flooding", "地下室进水", "Basement flooding", 6, 2, "住建局", "hotline grid", 0.2, "rain",
       "{}小区地下车库进水"),
    _c("water_flood.river_level", "河道水位异常", "Abnormal river level", 2, 1, "水务局", "grid hotline", 0.1, "rain",
       "{}河道水位快速上涨，接近警戒水位"),
    _c("water_flood.drain_blocked", "下水道堵塞", "Blocked drain", 24, 3, "水务局", "hotline grid app", 2.0, "wet",
       "{}下水道堵塞，污水外溢"),
    # utilities
    _c("utilities.power_outage", "停电", "Power outage", 4, 2, "供电公司", "hotline grid", 2.0, "rain",
       "{}片区突然停电"),
    _c("utilities.water_supply", "供水问题", "Water supply problem", 12, 2, "自来水公司", "hotline grid",
       3.5, "heat", "{}停水或水压不足"),
    _c("utilities.gas_supply", "燃气问题", "Gas supply problem", 12, 2, "燃气公司", "hotline", 1.5, "cold",
       "{}燃气供应不稳定"),
    _c("utilities.gas_leak", "燃气泄漏", "Gas leak", 1, 1, "燃气公司", "police hotline grid", 0.3, "none",
       "{}闻到燃气味道，疑似燃气泄漏"),
    _c("utilities.cable_hazard", "线缆脱落", "Fallen cables", 12, 2, "供电公司", "grid app hotline", 0.8, "rain",
       "{}架空线缆脱落垂挂"),
    _c("utilities.telecom", "通信网络故障", "Telecom outage", 24, 2, "通信管理局", "hotline", 1.0, "wet",
       "{}手机信号差、宽带断网"),
    # crowding: the venue during the surge
    _c("crowding.gathering", "人员聚集", "Crowd gathering", 1, 2, "公安局", "police grid", 0.3, "crowd",
       "{}人员大量聚集，需现场疏导"),
    _c("crowding.lost_person", "走失人员", "Lost person", 2, 2, "公安局", "police hotline", 0.8, "crowd",
       "{}有老人、儿童走失，家属报警求助"),
    _c("crowding.crush_risk", "拥挤踩踏隐患", "Crush risk", 1, 1, "公安局", "police grid", 0.1, "crowd",
       "{}出入口人流拥挤，存在踩踏风险"),
    _c("crowding.ticket_scalping", "黄牛倒票", "Ticket scalping", 24, 2, "公安局", "police hotline", 0.2, "crowd",
       "{}有人倒卖活动门票"),
    # emergency management
    _c("emergency.fire", "火情", "Fire", 1, 1, "消防救援支队", "police grid", 1.0, "none", "{}发生火情，有浓烟冒出"),
    _c("emergency.building_danger", "房屋险情", "Dangerous building", 4, 1, "住建局", "grid hotline", 0.3, "rain",
       "{}老旧房屋出现墙体开裂、倾斜险情"),
    _c("emergency.landslide", "山体滑坡", "Landslide", 2, 1, "自然资源和规划局", "grid police", 0.05, "rain",
       "{}山体出现滑坡塌方"),
    _c("emergency.hazmat", "危化品泄漏", "Hazardous chemical leak", 1, 1, "应急管理局", "police grid", 0.1, "none",
       "{}危险化学品泄漏"),
    _c("emergency.medical", "急救求助", "Medical emergency", 1, 2, "卫健委", "police hotline", 1.5, "heat",
       "{}有人突发疾病倒地，需紧急救治"),
    # petitions (信访)
    _c("petitions.land_requisition", "征地拆迁", "Land requisition and demolition", _P, 1, "自然资源和规划局",
       "petition", 3.0, "none", "{}群众反映征地拆迁补偿问题"),
    _c("petitions.labour_social", "劳动社保", "Labour and social security", _P, 1, "人社局", "petition", 3.0, "none",
       "{}群众反映劳动保障、社保待遇问题"),
    _c("petitions.housing", "住房保障", "Housing", _P, 1, "住建局", "petition", 2.0, "none",
       "{}群众反映住房保障、房屋产权问题"),
    _c("petitions.law_litigation", "涉法涉诉", "Law-related appeals", _P, 1, "政法委", "petition", 1.5, "none",
       "{}当事人对案件处理结果不服，要求复查"),
    _c("petitions.rural_affairs", "农村农业", "Rural affairs", _P, 1, "农业农村局", "petition", 1.5, "none",
       "{}村民反映村务公开、惠农补贴问题"),
    _c("petitions.urban_construction", "城乡建设", "Urban planning and construction", _P, 1, "住建局", "petition",
       1.5, "none", "{}群众反映规划建设影响采光通行"),
    _c("petitions.officials_conduct", "干部作风", "Officials' conduct", _P, 1, "纪委监委", "petition", 1.0, "none",
       "{}群众反映工作人员作风问题"),
    # enterprise requests (企业诉求, the "117" rule)
    _c("enterprise.financing", "融资需求", "Financing", _E, 1, "金融管理局", "enterprise", 2.0, "none",
       "{}企业反映融资难，申请贷款支持"),
    _c("enterprise.hiring", "用工需求", "Hiring", _E, 1, "人社局", "enterprise", 2.5, "none",
       "{}企业招工难，需要用工对接"),
    _c("enterprise.approval", "审批服务", "Permits and approvals", _E, 1, "行政审批局", "enterprise", 2.5, "none",
       "{}企业反映项目审批手续办理慢"),
    _c("enterprise.utilities_supply", "水电气保障", "Water, power and gas supply", _E, 2, "供电公司", "enterprise",
       1.5, "none", "{}企业申请水电气扩容保障"),
    _c("enterprise.policy_support", "惠企政策兑现", "Business support policies", _E, 1, "工信局", "enterprise", 2.0,
       "none", "{}企业咨询惠企政策兑现进度"),
    _c("enterprise.land_use", "项目用地", "Project land", _E, 1, "自然资源和规划局", "enterprise", 0.8, "none",
       "{}企业反映项目用地指标落实问题"),
    _c("enterprise.logistics", "物流运输", "Logistics", _E, 2, "交通运输局", "enterprise", 0.8, "none",
       "{}企业反映货车通行受限、物流不畅"),
)

# Where a category tends to happen; all others follow population alone.
URBAN_CODES = frozenset({"hotline.noise", "city_management.street_vending", "city_management.shared_bikes",
                         "traffic.illegal_parking", "traffic.congestion", "disputes.nightlife",
                         "environment.catering_fumes", "public_safety.drunk"})
RURAL_CODES = frozenset({"environment.open_burning", "disputes.land_contract", "emergency.landslide",
                         "petitions.rural_affairs", "petitions.land_requisition"})

def category_array(field: str) -> np.ndarray:
    """Return one field of every category as an array indexed like CATEGORIES."""
    return np.array([getattr(c, field) for c in CATEGORIES])


def category_places() -> np.ndarray:
    """Return per category 0 (anywhere), 1 (urban grids) or 2 (rural grids)."""
    codes = category_array("code")
    return np.where(np.isin(codes, list(URBAN_CODES)), 1, np.where(np.isin(codes, list(RURAL_CODES)), 2, 0))


def source_category_cells() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (source index, category index, share within the source) of every reporting pair."""
    pairs = [(si, ci, c.weight) for ci, c in enumerate(CATEGORIES)
             for si, s in enumerate(SOURCES) if s.id in c.sources]
    src, cat, weight = (np.array(x) for x in zip(*pairs))
    totals = np.bincount(src, weights=weight, minlength=len(SOURCES))
    return src.astype("int64"), cat.astype("int64"), weight / totals[src]
