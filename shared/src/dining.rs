//! Dining (餐饮): menus with allergens, nutrition and tags, each day's
//! portions per meal period, pickup slots with capacity, and orders placed
//! ahead — paid by a ledger hold at order, posted at pickup, voided on
//! cancel — through one queue per window that walk-in sales share.
//!
//! Scopes: `menu:{campus}` holds every canteen's dishes, today's and
//! tomorrow's portions left and each pickup slot's bookings, so a sold-out
//! dish or a full slot reaches every connected client with the next poke;
//! `user:{id}` holds a person's orders; `queue:{canteen}` holds the
//! canteen's window queues for its staff.
//!
//! Orders are synced commands (`dining.place_order`, `dining.cancel_order`),
//! so a student can order with no network: the order shows as pending and is
//! accepted, or rejected with the reason (sold out, slot full, not enough
//! money), when it reaches the server.

use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::calendar::MealPeriod;
use crate::error::FieldError;
use crate::ids::{BuildingId, CanteenId, DishId, OrderId, UserId, WindowId};
use crate::nutrition::Nutrients;
use crate::sync::NamedCommand;
use crate::text::LocalName;

/// Pickup slots are this long.
pub const SLOT_MINUTES: i64 = 10;
/// Orders a window takes per slot unless its manager says otherwise.
pub const DEFAULT_SLOT_CAPACITY: u32 = 12;
/// Minutes a window needs per order, before it has its own history.
pub const DEFAULT_PREP_MINUTES: u32 = 3;
/// At most this many lines (dishes) in one order.
pub const MAX_LINES: usize = 10;
/// At most this many portions of one dish in one order.
pub const MAX_QUANTITY: u32 = 5;
/// How far ahead a slot may be booked: today's and tomorrow's meals.
pub const MAX_DAYS_AHEAD: i64 = 1;
/// Delivery to a dorm (takeout) costs this, in fen.
pub const TAKEOUT_FEE: i64 = 200;

/// The allergens a dish is labelled with: the eight groups of GB 7718
/// (prepackaged food labelling) plus sesame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Allergen {
    /// Cereals containing gluten (含麸质的谷物).
    Gluten,
    /// Crustaceans (甲壳类).
    Crustacean,
    Fish,
    Egg,
    Peanut,
    Soy,
    Milk,
    /// Tree nuts (坚果).
    TreeNut,
    Sesame,
}

impl Allergen {
    pub const ALL: [Allergen; 9] = [
        Allergen::Gluten,
        Allergen::Crustacean,
        Allergen::Fish,
        Allergen::Egg,
        Allergen::Peanut,
        Allergen::Soy,
        Allergen::Milk,
        Allergen::TreeNut,
        Allergen::Sesame,
    ];
}

/// What a dish is, for filtering the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DishTag {
    Spicy,
    Halal,
    Vegetarian,
    Vegan,
    LowSalt,
    LowFat,
    Staple,
    Soup,
    Drink,
}

impl DishTag {
    pub const ALL: [DishTag; 9] = [
        DishTag::Spicy,
        DishTag::Halal,
        DishTag::Vegetarian,
        DishTag::Vegan,
        DishTag::LowSalt,
        DishTag::LowFat,
        DishTag::Staple,
        DishTag::Soup,
        DishTag::Drink,
    ];
}

/// A dish on a canteen's menu (the `dish` rows of `menu:{campus}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MenuDish {
    pub id: DishId,
    pub canteen_id: CanteenId,
    pub window_id: WindowId,
    pub name: LocalName,
    /// Fen.
    pub price: i64,
    /// The photo's content hash (an attachment), if it has one.
    pub photo: Option<String>,
    pub allergens: Vec<Allergen>,
    pub tags: Vec<DishTag>,
    /// One portion.
    pub nutrition: Nutrients,
    /// The meal periods it is served in.
    pub periods: Vec<MealPeriod>,
}

/// `PUT /dining/dishes/{id}`: what managers keep about a dish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DishDetails {
    pub allergens: Vec<Allergen>,
    pub tags: Vec<DishTag>,
    pub nutrition: Nutrients,
    pub periods: Vec<MealPeriod>,
    #[serde(default)]
    pub photo: Option<String>,
}

impl DishDetails {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.periods.is_empty() {
            return Err(FieldError::new("periods", "at least one meal period"));
        }
        self.nutrition
            .validate()
            .map_err(|e| FieldError::new(format!("nutrition.{}", e.field), e.message))?;
        if let Some(p) = &self.photo {
            crate::attachments::ContentHash::parse(p)
                .map_err(|e| FieldError::new("photo", e.message))?;
        }
        Ok(())
    }
}

/// Today's (or tomorrow's) portions of a dish in one meal period (the
/// `portions` rows of `menu:{campus}`; id: [`portions_id`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Portions {
    pub dish_id: DishId,
    pub window_id: WindowId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    pub period: MealPeriod,
    pub total: u32,
    pub left: u32,
}

impl Portions {
    pub fn sold_out(&self) -> bool {
        self.left == 0
    }
}

/// The id of a dish's portions row for a day and period (the same on every device).
pub fn portions_id(dish: DishId, day: NaiveDate, period: MealPeriod) -> Uuid {
    derived_id("portions", dish.0, day, period_slug(period))
}

/// A pickup slot's bookings at one window (the `slot` rows of
/// `menu:{campus}`; id: [`slot_id`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotLoad {
    pub window_id: WindowId,
    pub start: DateTime<Utc>,
    pub capacity: u32,
    pub booked: u32,
}

impl SlotLoad {
    pub fn full(&self) -> bool {
        self.booked >= self.capacity
    }
}

pub fn slot_id(window: WindowId, start: DateTime<Utc>) -> Uuid {
    derived_id(
        "slot",
        window.0,
        start.date_naive(),
        &start.timestamp().to_string(),
    )
}

fn derived_id(kind: &str, a: Uuid, day: NaiveDate, extra: &str) -> Uuid {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("houqin {kind}|{a}|{day}|{extra}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

pub fn period_slug(p: MealPeriod) -> &'static str {
    match p {
        MealPeriod::Breakfast => "breakfast",
        MealPeriod::Lunch => "lunch",
        MealPeriod::Dinner => "dinner",
        MealPeriod::LateNight => "late_night",
    }
}

pub fn period_from_slug(s: &str) -> Option<MealPeriod> {
    [
        MealPeriod::Breakfast,
        MealPeriod::Lunch,
        MealPeriod::Dinner,
        MealPeriod::LateNight,
    ]
    .into_iter()
    .find(|p| period_slug(*p) == s)
}

/// When a meal period serves, in campus time (hour, minute) from and until.
pub fn period_hours(p: MealPeriod) -> ((u32, u32), (u32, u32)) {
    match p {
        MealPeriod::Breakfast => ((6, 30), (9, 30)),
        MealPeriod::Lunch => ((10, 30), (13, 30)),
        MealPeriod::Dinner => ((16, 30), (19, 30)),
        MealPeriod::LateNight => ((20, 30), (23, 0)),
    }
}

/// The instants a meal period of a campus day starts and ends.
pub fn period_bounds(day: NaiveDate, p: MealPeriod) -> (DateTime<Utc>, DateTime<Utc>) {
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    let ((h0, m0), (h1, m1)) = period_hours(p);
    let at = |h, m| {
        use chrono::TimeZone;
        day.and_hms_opt(h, m, 0)
            .and_then(|t| cst.from_local_datetime(&t).single())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    (at(h0, m0), at(h1, m1))
}

/// Every pickup slot of a meal period, in order.
pub fn period_slots(day: NaiveDate, p: MealPeriod) -> Vec<DateTime<Utc>> {
    let (start, end) = period_bounds(day, p);
    let mut out = Vec::new();
    let mut t = start;
    while t < end {
        out.push(t);
        t += Duration::minutes(SLOT_MINUTES);
    }
    out
}

/// The start of the slot `at` falls in.
pub fn slot_start(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::minutes(SLOT_MINUTES))
        .unwrap_or(at)
}

/// `GET /dining/canteens/{id}/menu?day=`: a canteen's menu for a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MenuView {
    pub dishes: Vec<MenuDish>,
    pub portions: Vec<Portions>,
    pub slots: Vec<SlotLoad>,
    /// The meal periods the canteen opens that day (its calendar over the
    /// public holidays and make-up workdays).
    #[serde(default)]
    pub open_periods: Vec<MealPeriod>,
}

/// A canteen's calendar unless its managers set one: every meal on
/// workdays (make-up workdays included) and weekends; lunch and dinner on
/// public holidays.
pub fn default_calendar() -> crate::calendar::CanteenCalendar {
    use crate::calendar::{CanteenCalendar, PeriodRule};
    let rule = |period, holidays| PeriodRule {
        period,
        workdays: true,
        weekends: true,
        holidays,
    };
    CanteenCalendar {
        rules: vec![
            rule(MealPeriod::Breakfast, false),
            rule(MealPeriod::Lunch, true),
            rule(MealPeriod::Dinner, true),
            rule(MealPeriod::LateNight, false),
        ],
        overrides: Vec::new(),
    }
}

/// `GET /dining/dashboard?from=&to=`: what a campus's canteens sold and how
/// diners found it, for managers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: NaiveDate,
    /// Orders served (picked up), app and walk-in.
    pub orders: u32,
    /// Fen of those orders.
    pub revenue: i64,
    pub cancelled: u32,
    /// Card and QR sales at the windows' kiosks (approved), with or without
    /// dishes picked, and their fen.
    #[serde(default)]
    pub card_sales: u32,
    #[serde(default)]
    pub card_revenue: i64,
    /// Minutes from the pickup time (or the walk-in) to ready, on average.
    pub average_wait_minutes: Option<u32>,
    pub by_window: Vec<WindowSales>,
    /// Campus hour (0–23) → orders served.
    pub by_hour: Vec<HourSales>,
    /// The most sold dishes (orders picked up and kiosk sales' dishes), most first.
    pub popular: Vec<DishSales>,
    /// Average stars per day, in tenths.
    pub satisfaction: Vec<DaySatisfaction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowSales {
    pub window_id: WindowId,
    pub name: LocalName,
    pub orders: u32,
    pub revenue: i64,
    /// Kiosk sales at the window and their fen.
    #[serde(default)]
    pub card_sales: u32,
    #[serde(default)]
    pub card_revenue: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourSales {
    pub hour: u32,
    pub orders: u32,
    /// Kiosk sales in the hour.
    #[serde(default)]
    pub card_sales: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DishSales {
    pub dish_id: DishId,
    pub name: LocalName,
    pub portions: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DaySatisfaction {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    pub ratings: u32,
    pub average_tenths: u32,
}

/// A takeout's delivery as couriers see it (`GET /deliveries`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// The order's id.
    pub id: OrderId,
    pub canteen_id: CanteenId,
    pub window_id: WindowId,
    pub building_id: BuildingId,
    pub room: String,
    /// The order's number, called at the window.
    pub number: String,
    /// When the food is ready to collect.
    pub slot: DateTime<Utc>,
    /// Fen, the courier's fee.
    pub fee: i64,
    pub status: DeliveryStatus,
    pub courier_id: Option<UserId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for a courier.
    Open,
    Claimed,
    Delivered,
    /// The order was cancelled.
    Cancelled,
}

impl DeliveryStatus {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Claimed => "claimed",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        [Self::Open, Self::Claimed, Self::Delivered, Self::Cancelled]
            .into_iter()
            .find(|x| x.slug() == s)
    }
}

/// A pickup slot still open for orders (`GET /dining/windows/{id}/slots`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotOffer {
    pub start: DateTime<Utc>,
    pub capacity: u32,
    pub booked: u32,
}

/// `GET /dining/nutrition/week`: what a person's picked-up orders of the
/// last seven campus days add up to. Their targets (which depend on sex and
/// activity) are worked out on the device with
/// `nutrition::weekly_report`: the server never learns them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekIntake {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: NaiveDate,
    /// Days with at least one picked-up order.
    pub days_with_data: u32,
    pub orders: u32,
    pub total: Nutrients,
}

/// Delivery to a dorm room instead of pickup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Takeout {
    pub building_id: BuildingId,
    /// The room number, as on the door.
    pub room: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineRequest {
    pub dish_id: DishId,
    pub quantity: u32,
}

/// Orders ahead for pickup at one window (or takeout to a dorm). A synced
/// command: it works offline and is decided when it reaches the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceOrder {
    /// Made on the device; also the ledger hold's id.
    pub id: OrderId,
    pub window_id: WindowId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    pub period: MealPeriod,
    /// The pickup slot's start (a multiple of [`SLOT_MINUTES`]).
    pub slot: DateTime<Utc>,
    pub lines: Vec<LineRequest>,
    #[serde(default)]
    pub takeout: Option<Takeout>,
}

impl NamedCommand for PlaceOrder {
    const NAME: &'static str = "dining.place_order";
}

impl PlaceOrder {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.lines.is_empty() || self.lines.len() > MAX_LINES {
            return Err(FieldError::new(
                "lines",
                format!("must hold 1 to {MAX_LINES} dishes"),
            ));
        }
        for (i, line) in self.lines.iter().enumerate() {
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                return Err(FieldError::new(
                    format!("lines.{i}.quantity"),
                    format!("must be between 1 and {MAX_QUANTITY}"),
                ));
            }
            if self.lines[..i].iter().any(|l| l.dish_id == line.dish_id) {
                return Err(FieldError::new(
                    format!("lines.{i}.dish_id"),
                    "appears twice; change the quantity instead",
                ));
            }
        }
        if slot_start(self.slot) != self.slot {
            return Err(FieldError::new(
                "slot",
                format!("must start on a {SLOT_MINUTES}-minute boundary"),
            ));
        }
        if let Some(t) = &self.takeout {
            let room = t.room.trim();
            if room.is_empty() || room.chars().count() > 16 {
                return Err(FieldError::new(
                    "takeout.room",
                    "must be 1 to 16 characters",
                ));
            }
        }
        Ok(())
    }
}

/// Cancels an order before its window starts cooking it; the hold is voided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelOrder {
    pub order_id: OrderId,
}

impl NamedCommand for CancelOrder {
    const NAME: &'static str = "dining.cancel_order";
}

/// Where an order is. `Placed → Cooking → Ready → PickedUp`; `Cancelled`
/// only from `Placed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Cooking,
    Ready,
    PickedUp,
    Cancelled,
}

impl OrderStatus {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Cooking => "cooking",
            Self::Ready => "ready",
            Self::PickedUp => "picked_up",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        [
            Self::Placed,
            Self::Cooking,
            Self::Ready,
            Self::PickedUp,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|x| x.slug() == s)
    }

    /// The step a window may take from here.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Placed => Some(Self::Cooking),
            Self::Cooking => Some(Self::Ready),
            Self::Ready => Some(Self::PickedUp),
            Self::PickedUp | Self::Cancelled => None,
        }
    }

    /// Still in the window's queue.
    pub fn open(self) -> bool {
        matches!(self, Self::Placed | Self::Cooking | Self::Ready)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    pub dish_id: DishId,
    pub name: LocalName,
    pub quantity: u32,
    /// Fen, one portion.
    pub price: i64,
}

/// Where an order came from: ordered ahead in the app, or sold at the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderSource {
    App,
    WalkIn,
}

/// An order as its owner and its window see it (the `order` rows of
/// `user:{id}` and `queue:{canteen}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub id: OrderId,
    pub user_id: Option<UserId>,
    pub canteen_id: CanteenId,
    pub window_id: WindowId,
    pub source: OrderSource,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    pub period: MealPeriod,
    pub slot: DateTime<Utc>,
    pub lines: Vec<OrderLine>,
    /// Fen: the dishes, plus the takeout fee.
    pub total: i64,
    pub takeout: Option<Takeout>,
    pub status: OrderStatus,
    /// The number called at the window (`A-023`), unique per window and day.
    pub number: String,
    /// When the window expects it ready, from its queue.
    pub ready_at: Option<DateTime<Utc>>,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The text a pickup QR code carries: the order's id.
pub fn pickup_code(order: OrderId) -> String {
    format!("HQO:{}", order.0.simple())
}

pub fn parse_pickup_code(text: &str) -> Option<OrderId> {
    let rest = text.trim().strip_prefix("HQO:")?;
    Uuid::try_parse(rest).ok().map(OrderId)
}

/// `POST /dining/orders/{id}/advance`: the window moves an order on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvanceOrder {
    /// The status it moves to (the next one from where it is).
    pub to: OrderStatus,
}

/// `PUT /dining/portions`: a window's portions for a day and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetPortions {
    pub dish_id: DishId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    pub period: MealPeriod,
    /// Portions in all for the period (0: sold out / not served).
    pub total: u32,
}

impl SetPortions {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.total > 5_000 {
            return Err(FieldError::new("total", "must be at most 5000 portions"));
        }
        Ok(())
    }
}

/// When an order is likely ready: its slot, or later if the window's queue
/// ahead of it needs longer. `ahead` orders wait before it at `prep_minutes`
/// each.
pub fn ready_estimate(
    slot: DateTime<Utc>,
    now: DateTime<Utc>,
    ahead: u32,
    prep_minutes: u32,
) -> DateTime<Utc> {
    let queue = now + Duration::minutes(i64::from(prep_minutes) * i64::from(ahead + 1));
    queue.max(slot)
}

/// The number called for the `n`th order of a window's day (`A-007`):
/// the window's letter from its number, then three digits.
pub fn order_number(window_number: i32, n: u32) -> String {
    let letter = char::from(b'A' + u8::try_from((window_number - 1).rem_euclid(26)).unwrap_or(0));
    format!("{letter}-{n:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn order(lines: Vec<LineRequest>, slot: &str) -> PlaceOrder {
        PlaceOrder {
            id: OrderId::new(),
            window_id: WindowId::new(),
            day: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            period: MealPeriod::Lunch,
            slot: at(slot),
            lines,
            takeout: None,
        }
    }

    fn line(q: u32) -> LineRequest {
        LineRequest {
            dish_id: DishId::new(),
            quantity: q,
        }
    }

    #[test]
    fn orders_are_checked() {
        assert!(
            order(vec![line(1), line(5)], "2026-12-01T04:10:00Z")
                .validate()
                .is_ok()
        );
        assert_eq!(
            order(vec![], "2026-12-01T04:10:00Z")
                .validate()
                .unwrap_err()
                .field,
            "lines"
        );
        assert_eq!(
            order(vec![line(0)], "2026-12-01T04:10:00Z")
                .validate()
                .unwrap_err()
                .field,
            "lines.0.quantity"
        );
        assert_eq!(
            order(vec![line(1), line(6)], "2026-12-01T04:10:00Z")
                .validate()
                .unwrap_err()
                .field,
            "lines.1.quantity"
        );
        let same = line(1);
        assert_eq!(
            order(vec![same.clone(), same], "2026-12-01T04:10:00Z")
                .validate()
                .unwrap_err()
                .field,
            "lines.1.dish_id"
        );
        assert_eq!(
            order(vec![line(1)], "2026-12-01T04:15:00Z")
                .validate()
                .unwrap_err()
                .field,
            "slot"
        );
        let too_many = (0..=MAX_LINES).map(|_| line(1)).collect();
        assert_eq!(
            order(too_many, "2026-12-01T04:10:00Z")
                .validate()
                .unwrap_err()
                .field,
            "lines"
        );
        let mut takeout = order(vec![line(1)], "2026-12-01T04:10:00Z");
        takeout.takeout = Some(Takeout {
            building_id: BuildingId::new(),
            room: "  ".into(),
        });
        assert_eq!(takeout.validate().unwrap_err().field, "takeout.room");
    }

    #[test]
    fn slots_and_ids() {
        assert_eq!(
            slot_start(at("2026-12-01T04:17:59Z")),
            at("2026-12-01T04:10:00Z")
        );
        assert_eq!(
            slot_start(at("2026-12-01T04:20:00Z")),
            at("2026-12-01T04:20:00Z")
        );
        let w = WindowId::new();
        assert_eq!(
            slot_id(w, at("2026-12-01T04:10:00Z")),
            slot_id(w, at("2026-12-01T04:10:00Z"))
        );
        assert_ne!(
            slot_id(w, at("2026-12-01T04:10:00Z")),
            slot_id(w, at("2026-12-01T04:20:00Z"))
        );
        let d = DishId::new();
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_ne!(
            portions_id(d, day, MealPeriod::Lunch),
            portions_id(d, day, MealPeriod::Dinner)
        );
        for p in [
            MealPeriod::Breakfast,
            MealPeriod::Lunch,
            MealPeriod::Dinner,
            MealPeriod::LateNight,
        ] {
            assert_eq!(period_from_slug(period_slug(p)), Some(p));
        }
    }

    #[test]
    fn periods_have_slots_in_campus_time() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let slots = period_slots(day, MealPeriod::Lunch);
        // 10:30 to 13:30 in UTC+8: 02:30 to 05:30 UTC, every 10 minutes.
        assert_eq!(slots.first(), Some(&at("2026-12-01T02:30:00Z")));
        assert_eq!(slots.last(), Some(&at("2026-12-01T05:20:00Z")));
        assert_eq!(slots.len(), 18);
    }

    #[test]
    fn statuses_move_one_way() {
        assert_eq!(OrderStatus::Placed.next(), Some(OrderStatus::Cooking));
        assert_eq!(OrderStatus::Ready.next(), Some(OrderStatus::PickedUp));
        assert_eq!(OrderStatus::Cancelled.next(), None);
        assert!(!OrderStatus::PickedUp.open());
        for s in [
            OrderStatus::Placed,
            OrderStatus::Cooking,
            OrderStatus::Ready,
            OrderStatus::PickedUp,
            OrderStatus::Cancelled,
        ] {
            assert_eq!(OrderStatus::from_slug(s.slug()), Some(s));
        }
    }

    #[test]
    fn ready_times_are_honest() {
        let slot = at("2026-12-01T04:30:00Z");
        // An empty queue long before the slot: ready at the slot.
        assert_eq!(ready_estimate(slot, at("2026-12-01T04:00:00Z"), 0, 3), slot);
        // Twelve ahead at 3 minutes each from 04:00: 04:39, after the slot.
        assert_eq!(
            ready_estimate(slot, at("2026-12-01T04:00:00Z"), 12, 3),
            at("2026-12-01T04:39:00Z")
        );
    }

    #[test]
    fn canteens_open_by_default_except_holiday_breakfasts() {
        let c = default_calendar();
        assert!(c.validate().is_ok());
        // 2026-10-01, National Day.
        let holiday = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert!(!c.opens(holiday, MealPeriod::Breakfast));
        assert!(c.opens(holiday, MealPeriod::Lunch));
        // A plain Tuesday.
        let tuesday = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert!(c.opens(tuesday, MealPeriod::Breakfast));
        for s in [
            DeliveryStatus::Open,
            DeliveryStatus::Claimed,
            DeliveryStatus::Delivered,
            DeliveryStatus::Cancelled,
        ] {
            assert_eq!(DeliveryStatus::from_slug(s.slug()), Some(s));
        }
    }

    #[test]
    fn numbers_and_codes() {
        assert_eq!(order_number(1, 7), "A-007");
        assert_eq!(order_number(2, 123), "B-123");
        let id = OrderId::new();
        assert_eq!(parse_pickup_code(&pickup_code(id)), Some(id));
        assert_eq!(parse_pickup_code("HQ1:whatever"), None);
    }
}
