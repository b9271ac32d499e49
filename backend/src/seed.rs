//! The demo campus, generated deterministically from a seed at a chosen scale.
//!
//! Demo users share one password hash computed once per run (password `demo`);
//! real users never share one. One demo login per role: username = the role's name.

use chrono::{DateTime, Utc};
use houqin_shared::accounts::{Lang, Role, Scope};
use houqin_shared::directory::{BuildingKind, DeviceKind, LockerSize, ResourceKind, RoomKind};
use houqin_shared::text::LocalName;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::db::Db;
use crate::entities::*;

pub const DEMO_PASSWORD: &str = "demo";

/// How big a campus to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    pub canteens: u32,
    pub windows: u32,
    pub dishes: u32,
    pub dorm_buildings: u32,
    pub dorm_floors: u32,
    pub rooms_per_floor: u32,
    pub beds_per_room: u32,
    pub students: u32,
    pub staff: u32,
    pub technicians: u32,
    pub cashiers: u32,
    pub couriers: u32,
    pub stations: u32,
    pub lockers: u32,
    pub resources: u32,
    pub meters: u32,
}

impl Default for Scale {
    /// The demo campus: 2 canteens, 20 windows, 300 dishes, 8 dorm buildings
    /// (3,840 beds), 4,000 students, 40 technicians, 6 cashiers, 3 parcel
    /// stations with 600 lockers, 50 bookable resources, 500 meters.
    fn default() -> Self {
        Self {
            canteens: 2,
            windows: 20,
            dishes: 300,
            dorm_buildings: 8,
            dorm_floors: 6,
            rooms_per_floor: 20,
            beds_per_room: 4,
            students: 4_000,
            staff: 60,
            technicians: 40,
            cashiers: 6,
            couriers: 12,
            stations: 3,
            lockers: 600,
            resources: 50,
            meters: 500,
        }
    }
}

impl Scale {
    /// A small campus for tests: every kind of thing, few of each.
    pub fn tiny() -> Self {
        Self {
            canteens: 2,
            windows: 4,
            dishes: 12,
            dorm_buildings: 2,
            dorm_floors: 2,
            rooms_per_floor: 3,
            beds_per_room: 4,
            students: 20,
            staff: 3,
            technicians: 4,
            cashiers: 2,
            couriers: 2,
            stations: 1,
            lockers: 10,
            resources: 5,
            meters: 10,
        }
    }

    /// The default scale multiplied by `factor` (people, beds, things).
    pub fn times(factor: u32) -> Self {
        let d = Self::default();
        Self {
            canteens: d.canteens * factor,
            windows: d.windows * factor,
            dishes: d.dishes * factor,
            dorm_buildings: d.dorm_buildings * factor,
            students: d.students * factor,
            staff: d.staff * factor,
            technicians: d.technicians * factor,
            cashiers: d.cashiers * factor,
            couriers: d.couriers * factor,
            stations: d.stations * factor,
            lockers: d.lockers * factor,
            resources: d.resources * factor,
            meters: d.meters * factor,
            ..d
        }
    }
}

#[derive(Debug, Clone)]
pub struct SeedSummary {
    pub campus_id: Uuid,
    pub users: u64,
    pub beds: u64,
    pub dishes: u64,
    pub lockers: u64,
    pub devices: u64,
    pub resources: u64,
    /// One demo login per role: (role, username); the password is [`DEMO_PASSWORD`].
    pub logins: Vec<(Role, String)>,
    pub already_seeded: bool,
}

/// How many stages [`seed`] reports.
pub const STAGES: u64 = 8;

/// Reports progress as rows are written.
pub trait Progress {
    fn stage(&self, name: &str, rows: u64);
}

pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &str, _: u64) {}
}

pub fn demo_logins() -> Vec<(Role, String)> {
    Role::ALL
        .iter()
        .map(|r| (*r, r.as_str().to_string()))
        .collect()
}

/// Deterministic ids: time-ordered like UUIDv7, random bits from the seed.
struct Ids {
    rng: ChaCha8Rng,
    ms: u64,
}

impl Ids {
    fn next(&mut self) -> Uuid {
        self.ms += 1;
        let mut bytes = [0u8; 10];
        self.rng.fill(&mut bytes);
        uuid::Builder::from_unix_timestamp_millis(self.ms, &bytes).into_uuid()
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "雨", "桐", "子", "涵", "浩", "宇", "欣", "怡", "晨", "博", "文", "佳", "思",
    "一", "诺", "嘉", "俊", "梓", "萱", "睿", "昊",
];

const METHODS: &[(&str, &str)] = &[
    ("红烧", "Braised"),
    ("清蒸", "Steamed"),
    ("宫保", "Kung Pao"),
    ("鱼香", "Yu-Xiang"),
    ("糖醋", "Sweet and Sour"),
    ("干煸", "Dry-Fried"),
    ("水煮", "Poached Spicy"),
    ("蒜蓉", "Garlic"),
    ("番茄", "Tomato"),
    ("黑椒", "Black Pepper"),
    ("孜然", "Cumin"),
    ("酸菜", "Pickled Cabbage"),
    ("香煎", "Pan-Fried"),
    ("椒盐", "Salt and Pepper"),
    ("咖喱", "Curry"),
];
/// What the canteen office keeps about a seeded dish: allergens and tags
/// from its name, plausible nutrition from its index (no draws from the
/// seed's random stream, so the rest of the campus stays as it was).
fn dish_details_of(
    id: Uuid,
    campus: Uuid,
    d: u32,
    method: &str,
    ingredient: &str,
    now: DateTime<Utc>,
) -> dish_details::ActiveModel {
    let has = |words: &[&str]| {
        words
            .iter()
            .any(|w| ingredient.contains(w) || method.contains(w))
    };
    let mut allergens = Vec::new();
    for (words, slug) in [
        (&["虾"][..], "crustacean"),
        (&["鱼"][..], "fish"),
        (&["蛋"][..], "egg"),
        (&["豆腐"][..], "soy"),
        (&["宫保"][..], "peanut"),
        (&["黑椒", "糖醋"][..], "gluten"),
    ] {
        if has(words) {
            allergens.push(slug);
        }
    }
    let mut tags = Vec::new();
    if has(&["宫保", "干煸", "水煮", "孜然", "鱼香"]) {
        tags.push("spicy");
    }
    if has(&["豆腐", "茄子", "土豆", "青菜", "西兰花", "藕"]) && !has(&["鱼香"]) {
        tags.push("vegetarian");
    }
    if has(&["清蒸", "蒜蓉"]) {
        tags.push("low_salt");
    }
    if has(&[
        "牛肉",
        "鸡",
        "鱼",
        "虾",
        "蛋",
        "豆腐",
        "茄子",
        "土豆",
        "青菜",
        "西兰花",
        "藕",
    ]) && !has(&["排骨", "里脊"])
    {
        tags.push("halal");
    }
    let protein_g = 8 + i64::from(d * 7 % 23);
    let fat_g = 6 + i64::from(d * 5 % 19);
    let carbohydrate_g = 20 + i64::from(d * 11 % 41);
    let periods = if d.is_multiple_of(5) {
        "breakfast,lunch,dinner"
    } else {
        "lunch,dinner"
    };
    dish_details::ActiveModel {
        dish_id: Set(id),
        campus_id: Set(campus),
        allergens: Set(allergens.join(",")),
        tags: Set(tags.join(",")),
        periods: Set(periods.into()),
        energy_kcal: Set(4 * protein_g + 9 * fat_g + 4 * carbohydrate_g),
        protein_mg: Set(protein_g * 1000),
        fat_mg: Set(fat_g * 1000),
        carbohydrate_mg: Set(carbohydrate_g * 1000),
        sodium_mg: Set(350 + i64::from(d * 53 % 900)),
        photo: Set(None),
        default_portions: Set(60),
        updated_at: Set(now),
    }
}

const INGREDIENTS: &[(&str, &str)] = &[
    ("鸡丁", "Diced Chicken"),
    ("牛肉", "Beef"),
    ("豆腐", "Tofu"),
    ("茄子", "Aubergine"),
    ("排骨", "Pork Ribs"),
    ("鱼片", "Fish Fillet"),
    ("虾仁", "Shrimp"),
    ("土豆丝", "Shredded Potato"),
    ("青菜", "Greens"),
    ("鸡蛋", "Egg"),
    ("里脊", "Pork Tenderloin"),
    ("西兰花", "Broccoli"),
    ("鸡腿", "Chicken Leg"),
    ("藕片", "Lotus Root"),
    ("羊肉", "Lamb"),
    ("豆角", "Green Beans"),
    ("木耳", "Wood Ear Mushroom"),
    ("冬瓜", "Winter Melon"),
    ("鸭肉", "Duck"),
    ("杏鲍菇", "King Oyster Mushroom"),
];
const CN_NUM: &[&str] = &["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn cn_ordinal(n: u32) -> String {
    match n {
        1..=10 => CN_NUM[(n - 1) as usize].to_string(),
        11..=19 => format!("十{}", CN_NUM[(n - 11) as usize]),
        _ => n.to_string(),
    }
}

fn person(rng: &mut ChaCha8Rng) -> String {
    let s = SURNAMES[rng.random_range(0..SURNAMES.len())];
    let n = rng.random_range(1..=2);
    let g: String = (0..n)
        .map(|_| GIVEN[rng.random_range(0..GIVEN.len())])
        .collect();
    format!("{s}{g}")
}

async fn insert_chunks<A, E>(
    conn: &impl ConnectionTrait,
    rows: Vec<A>,
) -> Result<(), sea_orm::DbErr>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(200).collect();
        E::insert_many(chunk).exec_without_returning(conn).await?;
    }
    Ok(())
}

pub struct SeedOptions<'a> {
    pub seed: u64,
    pub scale: Scale,
    pub now: DateTime<Utc>,
    pub progress: &'a dyn Progress,
}

/// Seeds an empty database. On a database that already has a campus it changes
/// nothing and says so.
pub async fn seed(db: &Db, opts: SeedOptions<'_>) -> Result<SeedSummary, sea_orm::DbErr> {
    if let Some(c) = campuses::Entity::find().one(&db.conn).await? {
        return Ok(SeedSummary {
            campus_id: c.id,
            users: users::Entity::find().count(&db.conn).await?,
            beds: beds::Entity::find().count(&db.conn).await?,
            dishes: dishes::Entity::find().count(&db.conn).await?,
            lockers: lockers::Entity::find().count(&db.conn).await?,
            devices: devices::Entity::find().count(&db.conn).await?,
            resources: resources::Entity::find().count(&db.conn).await?,
            logins: demo_logins(),
            already_seeded: true,
        });
    }
    let SeedOptions {
        seed,
        scale: sc,
        now,
        progress,
    } = opts;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // 2026-09-01T00:00:00Z, the first day of term, as the ids' time base.
    let mut ids = Ids {
        rng: ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15),
        ms: 1_788_220_800_000,
    };
    let hash = crate::accounts::password::hash(DEMO_PASSWORD.to_string())
        .await
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;

    let tx = db.write().await?;
    let conn = &*tx;
    let campus = ids.next();
    campuses::Entity::insert(campuses::ActiveModel {
        id: Set(campus),
        code: Set("QH".into()),
        name_zh: Set("青禾大学".into()),
        name_en: Set("Qinghe University".into()),
    })
    .exec_without_returning(conn)
    .await?;

    let zone_names = [
        ("东区", "East Zone"),
        ("西区", "West Zone"),
        ("南区", "South Zone"),
        ("北区", "North Zone"),
    ];
    let zone_ids: Vec<Uuid> = zone_names.iter().map(|_| ids.next()).collect();
    insert_chunks(
        conn,
        zone_ids
            .iter()
            .zip(zone_names)
            .map(|(id, (zh, en))| zones::ActiveModel {
                id: Set(*id),
                campus_id: Set(campus),
                name_zh: Set(zh.into()),
                name_en: Set(en.into()),
            })
            .collect(),
    )
    .await?;

    let dept_names = [
        ("后勤服务中心", "Logistics Service Centre"),
        ("饮食服务中心", "Dining Services"),
        ("学生公寓管理中心", "Student Housing"),
        ("维修服务中心", "Maintenance Services"),
        ("物业管理中心", "Property Management"),
        ("能源管理中心", "Energy Management"),
    ];
    let dept_ids: Vec<Uuid> = dept_names.iter().map(|_| ids.next()).collect();
    insert_chunks(
        conn,
        dept_ids
            .iter()
            .zip(dept_names)
            .map(|(id, (zh, en))| departments::ActiveModel {
                id: Set(*id),
                campus_id: Set(campus),
                name_zh: Set(zh.into()),
                name_en: Set(en.into()),
            })
            .collect(),
    )
    .await?;
    progress.stage("campus", 1);

    // Buildings.
    let mut buildings_rows = Vec::new();
    let mut floor_rows = Vec::new();
    let mut room_rows = Vec::new();
    let mut bed_rows = Vec::new();
    let mut add_building = |ids: &mut Ids,
                            code: String,
                            zh: String,
                            en: String,
                            kind: BuildingKind,
                            floors: u32,
                            zone: usize| {
        let id = ids.next();
        buildings_rows.push(buildings::ActiveModel {
            id: Set(id),
            campus_id: Set(campus),
            zone_id: Set(Some(zone_ids[zone % zone_ids.len()])),
            code: Set(code),
            name_zh: Set(zh),
            name_en: Set(en),
            kind: Set(kind.as_str().into()),
            floors: Set(floors as i32),
        });
        let floor_ids: Vec<Uuid> = (1..=floors)
            .map(|level| {
                let fid = ids.next();
                floor_rows.push(floors::ActiveModel {
                    id: Set(fid),
                    campus_id: Set(campus),
                    building_id: Set(id),
                    level: Set(level as i32),
                });
                fid
            })
            .collect();
        (id, floor_ids)
    };

    let mut dorm_rooms: Vec<(Uuid, Uuid)> = Vec::new(); // (building, room)
    let mut dorm_buildings = Vec::new();
    for b in 1..=sc.dorm_buildings {
        let (bid, floors) = add_building(
            &mut ids,
            format!("D{b}"),
            format!("学生公寓{}号楼", b),
            format!("Dormitory {b}"),
            BuildingKind::Dorm,
            sc.dorm_floors,
            b as usize,
        );
        dorm_buildings.push(bid);
        for (f, fid) in floors.iter().enumerate() {
            for r in 1..=sc.rooms_per_floor {
                let rid = ids.next();
                room_rows.push(rooms::ActiveModel {
                    id: Set(rid),
                    campus_id: Set(campus),
                    building_id: Set(bid),
                    floor_id: Set(*fid),
                    number: Set(format!("{}{:02}", f + 1, r)),
                    kind: Set(RoomKind::DormRoom.as_str().into()),
                    capacity: Set(sc.beds_per_room as i32),
                });
                dorm_rooms.push((bid, rid));
                for bed in 0..sc.beds_per_room {
                    let label = ((b'A' + bed as u8) as char).to_string();
                    bed_rows.push(beds::ActiveModel {
                        id: Set(ids.next()),
                        campus_id: Set(campus),
                        room_id: Set(rid),
                        label: Set(label),
                    });
                }
            }
        }
    }
    let mut classrooms = Vec::new();
    for (i, letter) in ["A", "B", "C", "D"].iter().enumerate() {
        let (bid, floors) = add_building(
            &mut ids,
            format!("T{letter}"),
            format!("第{}教学楼", cn_ordinal(i as u32 + 1)),
            format!("Teaching Building {letter}"),
            BuildingKind::Teaching,
            5,
            i,
        );
        for (f, fid) in floors.iter().enumerate() {
            for r in 1..=8 {
                let rid = ids.next();
                room_rows.push(rooms::ActiveModel {
                    id: Set(rid),
                    campus_id: Set(campus),
                    building_id: Set(bid),
                    floor_id: Set(*fid),
                    number: Set(format!("{letter}{}{:02}", f + 1, r)),
                    kind: Set(RoomKind::Classroom.as_str().into()),
                    capacity: Set(if r <= 2 { 120 } else { 60 }),
                });
                classrooms.push((bid, rid));
            }
        }
    }
    let (office, office_floors) = add_building(
        &mut ids,
        "ADM".into(),
        "行政楼".into(),
        "Administration Building".into(),
        BuildingKind::Office,
        6,
        0,
    );
    let mut meeting_rooms = Vec::new();
    for (f, fid) in office_floors.iter().enumerate() {
        for r in 1..=3 {
            let rid = ids.next();
            room_rows.push(rooms::ActiveModel {
                id: Set(rid),
                campus_id: Set(campus),
                building_id: Set(office),
                floor_id: Set(*fid),
                number: Set(format!("{}{:02}", f + 1, r)),
                kind: Set(RoomKind::MeetingRoom.as_str().into()),
                capacity: Set(12 + 4 * r),
            });
            meeting_rooms.push(rid);
        }
    }
    let (library, _) = add_building(
        &mut ids,
        "LIB".into(),
        "图书馆".into(),
        "Library".into(),
        BuildingKind::Library,
        5,
        1,
    );
    let (gym, _) = add_building(
        &mut ids,
        "GYM".into(),
        "体育馆".into(),
        "Sports Centre".into(),
        BuildingKind::Sports,
        2,
        2,
    );
    let (lab, _) = add_building(
        &mut ids,
        "LAB".into(),
        "分析测试中心".into(),
        "Analysis and Testing Centre".into(),
        BuildingKind::Lab,
        4,
        3,
    );
    let mut canteen_buildings = Vec::new();
    for c in 1..=sc.canteens {
        let (bid, _) = add_building(
            &mut ids,
            format!("C{c}"),
            format!("第{}食堂", cn_ordinal(c)),
            format!("Canteen {c}"),
            BuildingKind::Canteen,
            2,
            c as usize,
        );
        canteen_buildings.push(bid);
    }
    let counts = (buildings_rows.len(), room_rows.len(), bed_rows.len());
    insert_chunks(conn, buildings_rows).await?;
    insert_chunks(conn, floor_rows).await?;
    insert_chunks(conn, room_rows).await?;
    progress.stage("buildings and rooms", (counts.0 + counts.1) as u64);
    insert_chunks(conn, bed_rows).await?;
    progress.stage("beds", counts.2 as u64);

    // Canteens, windows, dishes.
    let window_names = [
        ("家常菜", "Home Cooking"),
        ("川湘风味", "Sichuan and Hunan"),
        ("面食", "Noodles"),
        ("清真", "Halal"),
        ("粥粉面", "Congee and Rice Noodles"),
        ("铁板烧", "Teppanyaki"),
        ("麻辣烫", "Malatang"),
        ("西式简餐", "Western Set Meals"),
        ("素食", "Vegetarian"),
        ("早点", "Breakfast"),
    ];
    let mut canteen_ids = Vec::new();
    let mut canteen_rows = Vec::new();
    let mut window_rows = Vec::new();
    let mut windows: Vec<(Uuid, Uuid)> = Vec::new();
    for (i, bid) in canteen_buildings.iter().enumerate() {
        let id = ids.next();
        canteen_ids.push(id);
        canteen_rows.push(canteens::ActiveModel {
            id: Set(id),
            campus_id: Set(campus),
            building_id: Set(*bid),
            name_zh: Set(format!("第{}食堂", cn_ordinal(i as u32 + 1))),
            name_en: Set(format!("Canteen {}", i + 1)),
        });
    }
    for w in 0..sc.windows {
        let canteen = canteen_ids[(w % sc.canteens.max(1)) as usize];
        let number = w / sc.canteens.max(1) + 1;
        let (zh, en) =
            window_names[(w as usize / sc.canteens.max(1) as usize) % window_names.len()];
        let id = ids.next();
        window_rows.push(canteen_windows::ActiveModel {
            id: Set(id),
            campus_id: Set(campus),
            canteen_id: Set(canteen),
            number: Set(number as i32),
            name_zh: Set(format!("{number}号窗口·{zh}")),
            name_en: Set(format!("Window {number} · {en}")),
        });
        windows.push((canteen, id));
    }
    let mut dish_rows = Vec::new();
    let mut detail_rows = Vec::new();
    for d in 0..sc.dishes {
        let (canteen, window) = windows[(d % sc.windows.max(1)) as usize];
        let (mz, me) = METHODS[(d as usize) % METHODS.len()];
        let (iz, ie) =
            INGREDIENTS[(d as usize / METHODS.len() + d as usize * 7) % INGREDIENTS.len()];
        let price = 300 + 50 * rng.random_range(0..30) as i64;
        let dish_id = ids.next();
        detail_rows.push(dish_details_of(dish_id, campus, d, mz, iz, now));
        dish_rows.push(dishes::ActiveModel {
            id: Set(dish_id),
            campus_id: Set(campus),
            canteen_id: Set(canteen),
            window_id: Set(window),
            name_zh: Set(format!("{mz}{iz}")),
            name_en: Set(format!("{me} {ie}")),
            price_fen: Set(price),
        });
    }
    insert_chunks(conn, canteen_rows).await?;
    insert_chunks(conn, window_rows).await?;
    insert_chunks(conn, dish_rows).await?;
    insert_chunks(conn, detail_rows).await?;
    progress.stage("canteens and dishes", u64::from(sc.windows + sc.dishes));

    // Parcel stations and lockers.
    let mut station_ids = Vec::new();
    let mut station_rows = Vec::new();
    for s in 0..sc.stations {
        let id = ids.next();
        station_ids.push(id);
        let building = dorm_buildings[(s as usize * 3) % dorm_buildings.len().max(1)];
        station_rows.push(parcel_stations::ActiveModel {
            id: Set(id),
            campus_id: Set(campus),
            building_id: Set(building),
            name_zh: Set(format!("{}号快递驿站", s + 1)),
            name_en: Set(format!("Parcel Station {}", s + 1)),
        });
    }
    let mut locker_rows = Vec::new();
    for l in 0..sc.lockers {
        let station = station_ids[(l % sc.stations.max(1)) as usize];
        let n = l / sc.stations.max(1);
        let size = match n % 20 {
            0..=9 => LockerSize::Small,
            10..=16 => LockerSize::Medium,
            _ => LockerSize::Large,
        };
        locker_rows.push(lockers::ActiveModel {
            id: Set(ids.next()),
            campus_id: Set(campus),
            station_id: Set(station),
            code: Set(format!(
                "{}-{:03}",
                (b'A' + (n / 100) as u8) as char,
                n % 100 + 1
            )),
            size: Set(size.as_str().into()),
        });
    }
    insert_chunks(conn, station_rows).await?;
    insert_chunks(conn, locker_rows).await?;
    progress.stage("parcel lockers", u64::from(sc.lockers));

    // Bookable resources.
    let mut resource_rows = Vec::new();
    for r in 0..sc.resources {
        let (kind, building, zh, en, cap) = match r % 5 {
            0 => (
                ResourceKind::MeetingRoom,
                Some(office),
                format!("行政楼会议室{}", r / 5 + 1),
                format!("Admin Meeting Room {}", r / 5 + 1),
                16,
            ),
            1 => (
                ResourceKind::Classroom,
                Some(classrooms[(r as usize * 5) % classrooms.len()].0),
                format!("研讨教室{}", r / 5 + 1),
                format!("Seminar Room {}", r / 5 + 1),
                40,
            ),
            2 => (
                ResourceKind::Venue,
                Some(gym),
                format!("羽毛球场{}号", r / 5 + 1),
                format!("Badminton Court {}", r / 5 + 1),
                4,
            ),
            3 => (
                ResourceKind::Instrument,
                Some(lab),
                format!("大型仪器{}号（扫描电镜）", r / 5 + 1),
                format!("Large Instrument {} (SEM)", r / 5 + 1),
                1,
            ),
            _ => (
                ResourceKind::StudySpace,
                Some(library),
                format!("图书馆研修间{}", r / 5 + 1),
                format!("Library Study Room {}", r / 5 + 1),
                6,
            ),
        };
        resource_rows.push(resources::ActiveModel {
            id: Set(ids.next()),
            campus_id: Set(campus),
            building_id: Set(building),
            kind: Set(kind.as_str().into()),
            name_zh: Set(zh),
            name_en: Set(en),
            capacity: Set(cap),
        });
    }
    insert_chunks(conn, resource_rows).await?;

    // Meters: electricity per dorm room first, water per building after.
    let mut device_rows = Vec::new();
    for m in 0..sc.meters {
        let (building, room, kind) = if (m as usize) < dorm_rooms.len() && m < sc.meters * 9 / 10 {
            let (b, r) = dorm_rooms[m as usize];
            (b, Some(r), DeviceKind::ElectricityMeter)
        } else {
            (
                dorm_buildings[(m as usize) % dorm_buildings.len().max(1)],
                None,
                DeviceKind::WaterMeter,
            )
        };
        device_rows.push(devices::ActiveModel {
            id: Set(ids.next()),
            campus_id: Set(campus),
            building_id: Set(building),
            room_id: Set(room),
            kind: Set(kind.as_str().into()),
            serial: Set(format!("M{:06}", m + 1)),
        });
    }
    insert_chunks(conn, device_rows).await?;
    progress.stage("resources and meters", u64::from(sc.resources + sc.meters));

    // People.
    let mut user_rows = Vec::new();
    let mut role_rows = Vec::new();
    let mut scope_rows = Vec::new();
    let mut add_user = |ids: &mut Ids,
                        rng: &mut ChaCha8Rng,
                        username: String,
                        roles: &[Role],
                        scopes: &[Scope]| {
        let id = ids.next();
        user_rows.push(users::ActiveModel {
            id: Set(id),
            campus_id: Set(campus),
            username: Set(username),
            display_name: Set(person(rng)),
            password_hash: Set(hash.clone()),
            lang: Set(Lang::default().as_str().into()),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        });
        for r in roles {
            role_rows.push(user_roles::ActiveModel {
                id: Set(ids.next()),
                campus_id: Set(campus),
                user_id: Set(id),
                role: Set(r.as_str().into()),
            });
        }
        for s in scopes {
            scope_rows.push(user_scopes::ActiveModel {
                id: Set(ids.next()),
                campus_id: Set(campus),
                user_id: Set(id),
                kind: Set(s.kind().into()),
                ref_id: Set(s.id()),
            });
        }
        id
    };
    let mut demo_users = Vec::new();
    for i in 0..sc.students {
        let name = if i == 0 {
            "student".to_string()
        } else {
            format!("s2026{i:05}")
        };
        let id = add_user(&mut ids, &mut rng, name, &[Role::Student], &[]);
        if i == 0 {
            demo_users.push(id);
        }
    }
    for i in 0..sc.staff {
        let name = if i == 0 {
            "staff".to_string()
        } else {
            format!("e{i:05}")
        };
        let id = add_user(&mut ids, &mut rng, name, &[Role::Staff], &[]);
        if i == 0 {
            demo_users.push(id);
        }
    }
    let mut technicians: Vec<(Uuid, Uuid)> = Vec::new();
    for i in 0..sc.technicians {
        let name = if i == 0 {
            "technician".to_string()
        } else {
            format!("t{i:04}")
        };
        let zone_id = zone_ids[i as usize % zone_ids.len()];
        let zone = Scope::Zone(zone_id);
        let id = add_user(&mut ids, &mut rng, name, &[Role::Technician], &[zone]);
        technicians.push((id, zone_id));
        if i == 0 {
            demo_users.push(id);
        }
    }
    for i in 0..sc.cashiers {
        let name = if i == 0 {
            "cashier".to_string()
        } else {
            format!("c{i:03}")
        };
        let canteen = Scope::Canteen(canteen_ids[i as usize % canteen_ids.len()]);
        let id = add_user(&mut ids, &mut rng, name, &[Role::Cashier], &[canteen]);
        if i == 0 {
            demo_users.push(id);
        }
    }
    for i in 0..sc.couriers {
        let name = if i == 0 {
            "courier".to_string()
        } else {
            format!("k{i:03}")
        };
        let station = Scope::Station(station_ids[i as usize % station_ids.len()]);
        let id = add_user(
            &mut ids,
            &mut rng,
            name,
            &[Role::Courier, Role::Student],
            &[station],
        );
        if i == 0 {
            demo_users.push(id);
        }
    }
    let supervisor_scopes: Vec<Scope> = canteen_ids
        .iter()
        .map(|c| Scope::Canteen(*c))
        .chain([Scope::Zone(zone_ids[0])])
        .collect();
    demo_users.push(add_user(
        &mut ids,
        &mut rng,
        "supervisor".into(),
        &[Role::Supervisor],
        &supervisor_scopes,
    ));
    let manager_scopes: Vec<Scope> = dept_ids.iter().map(|d| Scope::Department(*d)).collect();
    demo_users.push(add_user(
        &mut ids,
        &mut rng,
        "manager".into(),
        &[Role::Manager],
        &manager_scopes,
    ));
    demo_users.push(add_user(
        &mut ids,
        &mut rng,
        "admin".into(),
        &[Role::Admin],
        &[],
    ));
    let user_count = user_rows.len() as u64;
    let people: Vec<Uuid> = user_rows
        .iter()
        .filter_map(|u| u.id.clone().take())
        .collect();
    insert_chunks(conn, user_rows).await?;
    insert_chunks(conn, role_rows).await?;
    insert_chunks(conn, scope_rows).await?;
    // Nothing syncs yet: every scope's first snapshot comes from these tables.
    let mut unsynced = crate::sync::changes::Changes::default();
    for user in demo_users {
        crate::notifications::post(conn, &mut unsynced, crate::notifications::NewNotification {
            campus_id: campus,
            user_id: user,
            service: None,
            title: LocalName::new("欢迎使用后勤", "Welcome to Houqin"),
            body: LocalName::new(
                "这是青禾大学的演示校园。各项服务陆续开放，开放前会显示“尚未开放”。",
                "This is the Qinghe University demo campus. Services open one by one; until then they say “not available yet”.",
            ),
            link: None,
            at: now,
        })
        .await?;
    }
    progress.stage("people", user_count);
    seed_money(conn, &mut ids, &mut rng, campus, &people, now).await?;
    progress.stage("cards and wallets", user_count);
    seed_repairs(conn, &mut ids, campus, &technicians).await?;
    progress.stage("repairs", technicians.len() as u64);
    tx.commit().await?;

    Ok(SeedSummary {
        campus_id: campus,
        users: user_count,
        beds: counts.2 as u64,
        dishes: u64::from(sc.dishes),
        lockers: u64::from(sc.lockers),
        devices: u64::from(sc.meters),
        resources: u64::from(sc.resources),
        logins: demo_logins(),
        already_seeded: false,
    })
}

/// Technicians' dispatch profiles (skills by turn; most on weekday day
/// shifts, every fifth on the evening shift all week, the demo technician
/// 07:00–23:00 every day), the parts store, and two tagged assets per
/// building.
async fn seed_repairs(
    conn: &impl ConnectionTrait,
    ids: &mut Ids,
    campus: Uuid,
    technicians: &[(Uuid, Uuid)],
) -> Result<(), sea_orm::DbErr> {
    use crate::entities::{assets, parts, technician_profiles};
    const SKILLS: [&str; 4] = [
        "plumbing,carpentry",
        "electrical,network",
        "hvac,appliance",
        "locks,carpentry,other",
    ];
    let mut rows = Vec::new();
    for (i, (id, zone)) in technicians.iter().enumerate() {
        let (skills, days, start, end) = if i == 0 {
            ("plumbing,electrical,locks,other", 0x7f, 7 * 60, 23 * 60)
        } else if i % 5 == 4 {
            (SKILLS[i % 4], 0x7f, 17 * 60, 23 * 60)
        } else {
            (SKILLS[i % 4], 0x1f, 8 * 60, 17 * 60 + 30)
        };
        rows.push(technician_profiles::ActiveModel {
            id: Set(*id),
            campus_id: Set(campus),
            skills: Set(skills.into()),
            zones: Set(zone.to_string()),
            shift_days: Set(days),
            shift_start: Set(start),
            shift_end: Set(end),
            active: Set(true),
        });
    }
    insert_chunks(conn, rows).await?;
    let store = [
        (
            "P-VALVE",
            "水龙头阀芯",
            "Tap cartridge",
            "个",
            "piece",
            200,
            1_800,
        ),
        (
            "P-HOSE",
            "进水软管",
            "Inlet hose",
            "根",
            "piece",
            120,
            1_200,
        ),
        ("P-TAPE", "生料带", "PTFE tape", "卷", "roll", 300, 150),
        ("P-BULB", "LED 灯管", "LED tube", "支", "piece", 400, 2_500),
        (
            "P-SWITCH",
            "墙壁开关",
            "Wall switch",
            "个",
            "piece",
            150,
            1_600,
        ),
        (
            "P-SOCKET",
            "五孔插座",
            "Power socket",
            "个",
            "piece",
            150,
            1_900,
        ),
        (
            "P-BREAKER",
            "空气开关",
            "Circuit breaker",
            "个",
            "piece",
            60,
            4_500,
        ),
        (
            "P-LOCK",
            "门锁锁芯",
            "Lock cylinder",
            "个",
            "piece",
            80,
            6_800,
        ),
        ("P-HINGE", "合页", "Hinge", "个", "piece", 200, 800),
        (
            "P-FILTER",
            "空调滤网",
            "AC filter",
            "片",
            "piece",
            100,
            3_000,
        ),
        (
            "P-CABLE",
            "网线（米）",
            "Network cable (m)",
            "米",
            "m",
            1_000,
            120,
        ),
        ("P-RJ45", "水晶头", "RJ45 plug", "个", "piece", 500, 50),
    ];
    let part_rows: Vec<parts::ActiveModel> = store
        .iter()
        .map(|(code, zh, en, uzh, uen, stock, cost)| parts::ActiveModel {
            id: Set(ids.next()),
            campus_id: Set(campus),
            code: Set((*code).into()),
            name_zh: Set((*zh).into()),
            name_en: Set((*en).into()),
            unit_zh: Set((*uzh).into()),
            unit_en: Set((*uen).into()),
            stock: Set(*stock),
            unit_cost: Set(*cost),
        })
        .collect();
    insert_chunks(conn, part_rows).await?;
    let kinds = [
        ("appliance", "热水器", "Water heater", "101"),
        ("hvac", "空调", "Air conditioner", "102"),
        ("electrical", "走廊照明", "Corridor lights", "1F"),
        ("plumbing", "公共卫生间", "Public washroom", "1F"),
    ];
    let buildings = crate::entities::buildings::Entity::find()
        .filter(crate::entities::buildings::Column::CampusId.eq(campus))
        .order_by_asc(crate::entities::buildings::Column::Code)
        .all(conn)
        .await?;
    let mut asset_rows = Vec::new();
    let mut n = 0u32;
    for (i, b) in buildings.iter().enumerate() {
        for k in 0..2 {
            n += 1;
            let (category, zh, en, room) = kinds[(i * 2 + k) % kinds.len()];
            asset_rows.push(assets::ActiveModel {
                id: Set(ids.next()),
                campus_id: Set(campus),
                code: Set(format!("HQ-{n:06}")),
                category: Set(category.into()),
                name_zh: Set(zh.into()),
                name_en: Set(en.into()),
                building_id: Set(b.id),
                room: Set(Some(room.into())),
            });
        }
    }
    insert_chunks(conn, asset_rows).await?;
    Ok(())
}

/// Everyone's campus card and wallet, topped up with ¥50–¥500 through the
/// gateway's clearing account, written in bulk as the ledger would (the
/// audit holds: each balance is its one top-up, the books balance).
async fn seed_money(
    conn: &impl ConnectionTrait,
    ids: &mut Ids,
    rng: &mut ChaCha8Rng,
    campus: Uuid,
    people: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    use houqin_shared::ledger::{AccountKind, Phase, TransferCode};
    use houqin_shared::payments::{CardStatus, DEFAULT_DAILY_LIMIT, DEFAULT_NO_PIN_LIMIT};

    let account = |id: Uuid,
                   kind: AccountKind,
                   holder: String,
                   owner: Option<Uuid>,
                   credits: i64,
                   debits: i64| {
        ledger_accounts::ActiveModel {
            id: Set(id),
            campus_id: Set(campus),
            kind: Set(kind.slug().into()),
            holder: Set(holder),
            owner_id: Set(owner),
            debits_posted: Set(debits),
            credits_posted: Set(credits),
            debits_pending: Set(0),
            credits_pending: Set(0),
            credit_limit: Set(0),
            frozen: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        }
    };
    let clearing = ids.next();
    let mut accounts = Vec::new();
    let mut wallet_rows = Vec::new();
    let mut card_rows = Vec::new();
    let mut transfers = Vec::new();
    let mut total = 0i64;
    for (i, &person) in people.iter().enumerate() {
        let amount = rng.random_range(50..=500i64) * 100;
        total += amount;
        let (wallet, subsidy, owed) = (ids.next(), ids.next(), ids.next());
        let holder = person.to_string();
        accounts.push(account(
            wallet,
            AccountKind::Wallet,
            holder.clone(),
            Some(person),
            amount,
            0,
        ));
        accounts.push(account(
            subsidy,
            AccountKind::Subsidy,
            holder.clone(),
            Some(person),
            0,
            0,
        ));
        accounts.push(account(
            owed,
            AccountKind::OfflineReceivable,
            holder,
            Some(person),
            0,
            0,
        ));
        wallet_rows.push(wallets::ActiveModel {
            user_id: Set(person),
            campus_id: Set(campus),
            wallet_account_id: Set(wallet),
            subsidy_account_id: Set(subsidy),
            receivable_account_id: Set(owed),
            daily_limit: Set(DEFAULT_DAILY_LIMIT),
            no_pin_limit: Set(DEFAULT_NO_PIN_LIMIT),
            pin_hash: Set(None),
            pin_failures: Set(0),
            pin_locked_until: Set(None),
            offline_blocked: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        });
        transfers.push(ledger_transfers::ActiveModel {
            id: Set(ids.next()),
            campus_id: Set(campus),
            debit_account_id: Set(clearing),
            credit_account_id: Set(wallet),
            amount: Set(amount),
            phase: Set(Phase::Single.slug().into()),
            pending_id: Set(None),
            timeout_secs: Set(None),
            code: Set(TransferCode::TopUp.slug().into()),
            linked: Set(false),
            reference: Set(Some("opening balance".into())),
            created_at: Set(now),
        });
        // A distinct 7-byte chip id per person: an odd multiplier is a
        // bijection modulo 2^48.
        let serial = ((i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)) & 0xFFFF_FFFF_FFFF;
        card_rows.push(cards::ActiveModel {
            id: Set(ids.next()),
            campus_id: Set(campus),
            user_id: Set(person),
            uid: Set(format!("04{serial:012X}")),
            status: Set(CardStatus::Active.slug().into()),
            issued_at: Set(now),
            updated_at: Set(now),
        });
    }
    accounts.push(account(
        clearing,
        AccountKind::TopUpClearing,
        "campus".into(),
        None,
        0,
        total,
    ));
    insert_chunks(conn, accounts).await?;
    insert_chunks(conn, wallet_rows).await?;
    insert_chunks(conn, transfers).await?;
    insert_chunks(conn, card_rows).await?;
    Ok(())
}
