//! Every user-facing string, in Simplified Chinese (the default) and English,
//! side by side. Components name a [`Key`]; [`tx`] turns it into reactive text
//! that follows the language signal.

use chrono::{DateTime, Datelike, FixedOffset, Offset, Timelike, Utc};
use houqin_shared::ErrorCode;
use houqin_shared::accounts::{Lang, Role, SetLangRequest};
use houqin_shared::notifications::MarkRead;
use houqin_shared::services::Service;
use houqin_shared::sync::NamedCommand;
use houqin_shared::text::LocalName;
use leptos::prelude::*;

use crate::api::ApiError;

macro_rules! keys {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// A user-facing string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key { $($key),* }

        impl Key {
            #[cfg(test)]
            pub const ALL: &'static [Key] = &[$(Key::$key),*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (Key::$key, Lang::ZhCn) => $zh,
                        (Key::$key, Lang::En) => $en,
                    )*
                }
            }
        }
    };
}

keys! {
    AppName => "后勤", "Houqin";
    AppTagline => "校园后勤，一站办理", "Campus logistics in one place";
    SkipToContent => "跳到主要内容", "Skip to main content";
    Loading => "正在加载…", "Loading…";
    Close => "关闭", "Close";
    Retry => "重试", "Try again";
    BackHome => "返回首页", "Back to home";
    NotFoundTitle => "页面不存在", "Page not found";
    NotFoundBody => "这个地址没有对应的页面。", "There is no page at this address.";

    // The toggle is labelled with the language it switches to.
    LangToggle => "English", "中文";
    LangToggleLabel => "切换为英文界面", "Switch the interface to Chinese";

    LoginTitle => "登录", "Sign in";
    LoginIntro => "请使用学号或工号登录。", "Sign in with your student or staff number.";
    Username => "用户名", "Username";
    UsernameHint => "学号或工号", "Student or staff number";
    Password => "密码", "Password";
    LoginSubmit => "登录", "Sign in";
    LoginSubmitting => "正在登录…", "Signing in…";

    ErrInvalidCredentials => "用户名或密码不正确，请检查后重试。",
        "The username or password is incorrect. Check them and try again.";
    ErrLockedOut => "登录失败次数过多，账号已被暂时锁定，请稍后再试。",
        "Too many failed attempts. The account is locked for now; please try again later.";
    ErrRateLimited => "操作太频繁了，请稍后再试。",
        "Too many attempts from here; please try again a little later.";
    ErrAccountDisabled => "该账号已停用。如有疑问，请联系后勤服务中心。",
        "This account has been disabled. Please contact the logistics service centre.";
    ErrNetwork => "无法连接服务器，请检查网络后重试。",
        "Cannot reach the server. Check your network connection and try again.";
    ErrSessionExpired => "登录已过期，请重新登录。", "Your session has expired. Please sign in again.";
    ErrUsernameRequired => "请输入用户名。", "Please enter your username.";
    ErrPasswordRequired => "请输入密码。", "Please enter your password.";
    ErrTooLong => "输入内容过长。", "This is too long.";
    ErrForbidden => "你没有执行此操作的权限。", "You do not have permission to do that.";
    ErrUnknown => "出了点问题，请稍后再试。", "Something went wrong. Please try again later.";
    ErrReference => "错误编号：", "Reference: ";

    NavMain => "主导航", "Main navigation";
    NavHome => "首页", "Home";
    NavServices => "服务", "Services";
    NavNotifications => "通知", "Notifications";
    NavMe => "我的", "Me";
    Logout => "退出登录", "Sign out";

    Greeting => "你好，", "Hello, ";
    CurrentRole => "当前身份", "Current role";
    SwitchRole => "切换身份", "Switch role";
    UnreadNone => "没有未读通知", "No unread notifications";
    UnreadOne => "1 条未读通知", "1 unread notification";
    UnreadMany => "{} 条未读通知", "{} unread notifications";
    UnreadUnknown => "暂时无法获取通知", "Notifications cannot be loaded right now";
    YourServices => "我的服务", "Your services";
    NotYetOpen => "尚未开放", "Not open yet";

    ServicesTitle => "服务", "Services";
    ServicesIntro => "以下是你当前身份可以使用的服务。", "These are the services for your current role.";
    ServiceUnavailableTitle => "此服务尚未开放", "This service is not available yet";
    WalletBalance => "余额", "Balance";
    WalletAvailable => "可用（扣除待取餐订单）", "Available (less orders awaiting pickup)";
    WalletSubsidy => "补助", "Subsidy";
    SpentToday => "今日已消费 / 每日限额", "Spent today / daily limit";
    WalletOwed => "待补缴", "Owed";
    WalletOwedNote => "离线消费时余额不足，下次充值会自动补缴；补缴前暂停离线支付。",
        "An offline purchase went over your balance. Your next top-up pays it; until then offline payment is paused.";
    WalletSavedNote => "当前无网络，显示的是上次同步时的余额和卡片。挂失仍可操作，联网后自动生效。",
        "You are offline: this is the balance and cards from the last sync. Reporting a card lost still works and takes effect when you are back online.";
    CardsTitle => "我的校园卡", "My campus cards";
    NoCards => "还没有校园卡，请到校园卡服务中心办理。", "No campus card yet. Get one at the card office.";
    CardNumber => "卡号", "Card";
    CardActive => "正常", "Active";
    CardFrozen => "已挂失", "Reported lost";
    CardReplaced => "已补办新卡，此卡作废", "Replaced; no longer valid";
    CardReportLost => "挂失", "Report lost";
    CardUnfreeze => "解除挂失", "Found it: unfreeze";
    CardReportedLost => "已挂失：所有窗口将拒绝这张卡，余额不受影响。",
        "Reported lost: every window now refuses this card. Your balance is safe.";
    CardUnfrozen => "已解除挂失，这张卡可以正常使用了。", "Unfrozen: the card works again.";
    TopUpTitle => "充值", "Top up";
    Simulator => "模拟支付", "Simulator";
    TopUpSimulatorNote => "演示环境使用模拟的支付网关，不会产生真实扣款。",
        "This demo uses a simulated payment gateway; no real money moves.";
    AmountYuan => "金额（元）", "Amount (yuan)";
    TopUpSubmit => "充值", "Top up";
    TopUpDone => "充值成功。", "Topped up.";
    ErrAmount => "请输入正确的金额，例如 12.50。", "Enter an amount in yuan, like 12.50.";
    StatementTitle => "账单", "Statement";
    StatementFilter => "显示", "Show";
    FilterAll => "全部", "All";
    FilterSales => "消费", "Purchases";
    FilterTopUps => "充值", "Top-ups";
    StatementEmpty => "暂无记录。", "Nothing here yet.";
    LoadMore => "加载更多", "Load more";
    CodeTopUp => "充值", "Top-up";
    CodeSale => "消费", "Purchase";
    CodeSubsidySale => "消费（补助）", "Purchase (subsidy)";
    CodeSubsidyGrant => "补助发放", "Subsidy granted";
    CodeRefund => "退款", "Refund";
    CodeSweep => "结算", "Settlement";
    CodeReceivable => "离线超额消费", "Offline shortfall";
    CodeCollection => "补缴", "Repayment";
    CodeWithdrawal => "余额退还", "Balance paid out";
    CodeCorrection => "更正", "Correction";
    LimitsTitle => "支付限额", "Payment limits";
    DailyLimit => "每日限额（元）", "Daily limit (yuan)";
    NoPinLimit => "免密金额（元）", "No PIN up to (yuan)";
    NoPinLimitHint => "超过这个金额的消费需要输入支付密码；填 0 表示每笔都要密码。",
        "Purchases above this need your payment PIN; 0 asks for it every time.";
    Save => "保存", "Save";
    LimitsSaved => "限额已保存。", "Limits saved.";
    ErrDailyLimitRange => "每日限额须在 0.01 至 2000 元之间。", "The daily limit must be between 0.01 and 2000 yuan.";
    ErrNoPinRange => "免密金额不能超过每日限额。", "The no-PIN amount cannot be more than the daily limit.";
    PinTitle => "支付密码", "Payment PIN";
    PinIsSet => "已设置。", "Set.";
    PinNotSet => "未设置。超过免密金额的消费需要支付密码，请先设置。",
        "Not set. Purchases above the no-PIN amount need one, so set it first.";
    PinLockedUntil => "支付密码输错次数过多，已锁定至", "Too many wrong PINs; locked until";
    PinNew => "新支付密码", "New payment PIN";
    PinHint => "6 位数字，不能全部相同或连续。", "6 digits, not all the same and not a run.";
    ErrPinFormat => "支付密码须为 6 位数字，且不能全部相同或连续。",
        "The PIN must be 6 digits, not all the same and not a run like 123456.";
    PinSave => "设置支付密码", "Set PIN";
    PinSaved => "支付密码已设置。", "Payment PIN set.";
    KioskTitle => "收银台", "Checkout";
    KioskWindow => "窗口", "Window";
    KioskDishes => "菜品", "Dishes";
    KioskSale => "本单", "This sale";
    KioskRemove => "移除", "Remove";
    KioskTicketTotal => "菜品合计", "Dishes total";
    KioskAmount => "金额（元）", "Amount (yuan)";
    KioskAmountHint => "直接输入金额，或点选菜品（输入的金额优先）。",
        "Type an amount, or pick dishes (a typed amount wins).";
    KioskPayer => "卡号", "Card";
    KioskPayerHint => "请顾客刷卡或出示付款码：读卡器或扫码枪会填入并确认。", "Ask the customer to tap their card or show their pay code: the reader or scanner fills it in and confirms.";
    KioskCharge => "收款", "Charge";
    KioskResult => "结果", "Result";
    KioskWaiting => "等待刷卡…", "Waiting for a card…";
    KioskCharging => "正在扣款…", "Charging…";
    KioskPinNeeded => "金额超过免密额度，请顾客输入支付密码。", "Above the no-PIN amount: ask the customer for their PIN.";
    KioskPin => "支付密码", "PIN";
    KioskRetrySafe => "可以直接重试：同一笔交易不会重复扣款。", "It is safe to try again: this sale is never charged twice.";
    KioskApproved => "支付成功", "Approved";
    KioskDeclined => "支付未成功", "Declined";
    KioskPayerName => "付款人", "Payer";
    KioskTime => "时间", "Time";
    KioskSaleId => "交易号", "Sale no.";
    KioskPrint => "打印小票", "Print receipt";
    KioskNext => "下一位", "Next customer";
    KioskShift => "本班汇总", "Shift summary";
    KioskShiftLoad => "查看本班汇总", "Show the shift summary";
    KioskShiftSince => "开始时间", "Since";
    KioskShiftSales => "笔数", "Sales";
    KioskShiftTotal => "金额合计", "Total";
    ErrNothingToCharge => "请先输入金额或点选菜品。", "Type an amount or pick a dish first.";
    ErrNoWindow => "这台收银机还没有选择窗口。", "This kiosk has no window chosen.";
    ErrCardUid => "没有读到有效的卡号，请重新刷卡。", "That is not a card number; tap the card again.";
    DeclineUnknownCard => "无法识别这张卡。", "This card is not known.";
    DeclineCardFrozen => "这张卡已挂失。找回后可在校园卡页面解除挂失，或联系校园卡中心。",
        "This card is reported lost. Its owner can unfreeze it on the campus card page, or ask the card office.";
    DeclineCardReplaced => "这张卡已补办新卡，已作废。", "This card was replaced and is no longer valid.";
    DeclineAccountFrozen => "账户已冻结，请联系校园卡中心。", "The account is frozen; contact the card office.";
    DeclineInsufficientFunds => "余额不足。", "Not enough money in the account.";
    DeclineDailyLimit => "超过今日消费限额。", "Over today's spending limit.";
    DeclinePinRequired => "需要支付密码。", "A PIN is needed.";
    DeclineWrongPin => "支付密码错误，剩余次数：", "Wrong PIN. Tries left:";
    DeclinePinLocked => "支付密码错误次数过多，已锁定 30 分钟。", "Too many wrong PINs: locked for 30 minutes.";
    KioskReadCard => "读卡收款", "Read card and charge";
    KioskReadingCard => "请刷卡…", "Tap the card…";
    CardErrRemoved => "卡片在读取时被拿开，请重新刷卡。", "The card was taken away while it was read; tap it again.";
    CardErrWrongMac => "这张卡没有通过校验（可能是复制卡），不能收款。", "This card failed the security check (it may be a copy); do not accept it.";
    CardErrMalformed => "读卡出错，请重新刷卡。", "The card could not be read; tap it again.";
    CardErrNoCard => "没有检测到卡片。", "No card was detected.";
    CardErrReader => "读卡器暂时不可用，请检查连接。", "The card reader is not available; check its connection.";
    DeclineCodeInvalid => "付款码无效，请让顾客刷新付款码。", "This pay code is not valid; ask the customer to refresh it.";
    DeclineCodeExpired => "付款码已过期，请让顾客刷新后重试（也请检查手机时间）。",
        "This pay code has expired; ask the customer to refresh it (and check the phone's clock).";
    DeclineCodeUsed => "这个付款码已经用过，请让顾客刷新付款码。", "This pay code was already used; ask the customer for a fresh one.";
    DeclineOfflineUnavailable => "离线收款不可用：本机还没有同步过黑名单。", "Offline sales are not available: this kiosk has never synced its hotlist.";
    DeclineHotlistStale => "断网太久，黑名单已过期，暂不能离线收款。", "Offline too long: the hotlist is out of date, so offline sales are paused.";
    DeclineOfflineSaleCap => "断网时单笔不能超过离线限额，请减少金额或等待恢复联网。", "Offline, one sale may not exceed the offline limit; lower the amount or wait for the network.";
    DeclineOfflineCardCap => "这张卡今天在本机的离线消费已达上限。", "This card has reached today's offline limit at this kiosk.";
    DeclineOfflineKioskCap => "本机离线收款额度已用完，请等待恢复联网。", "This kiosk's offline allowance is used up; wait for the network.";
    DeclineOfflineBlocked => "该账户有未还欠款，暂停离线支付；请充值后再试。", "This account owes money from offline payments; offline payment is paused until a top-up.";
    KioskOfflineApproved => "离线收款成功，已保存在本机，联网后自动结算。", "Approved offline: saved on this kiosk and settled automatically when the network is back.";
    KioskWebOnline => "网页收银台仅支持在线收款；断网时请使用桌面收银台。", "The web checkout works online only; use the desktop checkout when the network is down.";
    KioskOnlineAllowance => "在线 · 断网时可离线收款 {}", "Online · can sell {} offline if the network goes";
    KioskOfflineAllowance => "离线收款中 · 剩余离线额度 {} · {} 笔待上传", "Selling offline · {} offline allowance left · {} sales to upload";
    KioskOfflineUnable => "已断网，且黑名单不是最新，暂不能离线收款。", "Offline, and the hotlist is out of date: offline sales are paused.";
    StatementFrom => "起始日期", "From";
    StatementTo => "截止日期", "To";
    OfficeTitle => "食堂对账与结算", "Canteen reconciliation and settlement";
    OfficeDay => "日期", "Day";
    OfficeExportCsv => "导出 CSV", "Export CSV";
    OfficeExportXlsx => "导出 Excel", "Export Excel";
    OfficeMatches => "各窗口销售与账本一致", "Every window's sales agree with the ledger";
    OfficeMismatch => "有窗口的销售与账本不一致，请核查标红的行", "Some windows' sales disagree with the ledger: check the rows marked";
    OfficeBooks => "账本平衡", "The books balance";
    OfficeBooksOff => "账本有 {} 处差异，请运行账本审计", "The books have {} differences: run the ledger audit";
    OfficeOwed => "离线欠款 {} 人，共 {}", "Owed from offline sales: {} people, {} in all";
    OfficeColSales => "笔数", "Sales";
    OfficeColGross => "销售额", "Gross";
    OfficeColOffline => "离线（笔/金额）", "Offline (sales / amount)";
    OfficeColOwed => "离线欠款", "Owed";
    OfficeColRefunded => "退款", "Refunded";
    OfficeColNet => "净额", "Net";
    OfficeColLedger => "账本净额", "Ledger net";
    OfficeColTill => "待结余额", "Till balance";
    OfficeSettle => "结算此日", "Settle this day";
    OfficeSettled => "已结算 {}（{}）", "Settled {} ({})";
    OfficeSettledToast => "已结算，款项已转入食堂商户账户。", "Settled: the takings moved to the canteen's merchant account.";
    OfficeSettleLater => "当天结束后才能结算。", "A day can be settled once it has ended.";
    OfficeExceptions => "离线异常", "Offline exceptions";
    OfficeNoExceptions => "当天没有离线异常。", "No offline exceptions that day.";
    ExcSeqGap => "终端流水号缺失（可能有交易未上传）", "Gap in a kiosk's numbering (sales may be missing)";
    ExcSeqReused => "终端流水号重复", "A kiosk number used twice";
    ExcUnknownPayer => "找不到付款人（未扣款）", "Payer not found (nothing charged)";
    ExcShortfall => "余额不足，记为欠款", "Balance short: booked as owed";
    ExcHotCardSold => "售给了已挂失或已换的卡", "Sold to a card that was lost or replaced";
    ExcCodeReused => "付款码被重复使用", "Pay code used more than once";
    ExcCodeStale => "付款码时间异常", "Pay code time far from the sale";
    ExcOther => "其他异常", "Other exception";
    DiningMenu => "菜单", "Menu";
    DiningCanteen => "食堂", "Canteen";
    DiningDay => "日期", "Day";
    DiningToday => "今天", "Today";
    DiningTomorrow => "明天", "Tomorrow";
    DiningPeriod => "餐次", "Meal";
    DiningFilter => "筛选", "Show";
    PeriodBreakfast => "早餐", "Breakfast";
    PeriodLunch => "午餐", "Lunch";
    PeriodDinner => "晚餐", "Dinner";
    PeriodLateNight => "夜宵", "Late night";
    TagSpicy => "辣", "Spicy";
    TagHalal => "清真", "Halal";
    TagVegetarian => "素食", "Vegetarian";
    TagVegan => "纯素", "Vegan";
    TagLowSalt => "少盐", "Low salt";
    TagLowFat => "低脂", "Low fat";
    TagStaple => "主食", "Staple";
    TagSoup => "汤", "Soup";
    TagDrink => "饮品", "Drink";
    AllergenGluten => "麸质谷物", "Gluten";
    AllergenCrustacean => "甲壳类", "Crustaceans";
    AllergenFish => "鱼类", "Fish";
    AllergenEgg => "蛋类", "Egg";
    AllergenPeanut => "花生", "Peanut";
    AllergenSoy => "大豆", "Soy";
    AllergenMilk => "乳制品", "Milk";
    AllergenTreeNut => "坚果", "Tree nuts";
    AllergenSesame => "芝麻", "Sesame";
    DiningAllergens => "含过敏原", "Contains";
    DiningNutrition => "{} 千卡 · 蛋白质 {} 克", "{} kcal · protein {} g";
    DiningLeft => "剩 {} 份", "{} left";
    DiningSoldOut => "已售罄", "Sold out";
    DiningNotServed => "本餐不供应", "Not served at this meal";
    DiningAdd => "加入", "Add";
    DiningSavedMenu => "当前离线，显示的是上次同步的菜单；下单会在联网后确认。", "Offline: this is the menu as last synced; an order is confirmed once the network is back.";
    DiningNoDishes => "这一餐没有可选的菜品。", "No dishes for this meal.";
    DiningOneWindow => "一次只能在一个窗口下单，已为你换成这个窗口。", "An order is for one window; the basket now holds this window's dish.";
    DiningBasket => "待下单", "Your order";
    DiningBasketEmpty => "还没有选菜。", "Nothing chosen yet.";
    DiningTotal => "合计", "Total";
    DiningSlot => "取餐时间", "Pickup time";
    DiningNoSlots => "这一餐已没有可选的取餐时间。", "No pickup times are left for this meal.";
    DiningHoldNote => "下单时从校园卡预留金额，取餐时才扣款；开始制作前可以取消。", "The amount is held on your campus card and paid at pickup; you can cancel until cooking starts.";
    DiningPlace => "下单", "Place order";
    DiningPlaced => "已下单。", "Order placed.";
    DiningQueued => "订单已保存，联网后提交。", "Order saved; it is sent when the network is back.";
    DiningBasketInvalid => "订单内容有误，请检查后再试。", "Something in the order is not right; check it and try again.";
    DiningOrders => "我的订单", "My orders";
    DiningNoOrders => "还没有订单。", "No orders yet.";
    DiningPending => "待确认", "Pending";
    DiningPickupAt => "取餐", "Pickup";
    DiningReadyAt => "预计做好", "Ready about";
    DiningPickupCode => "取餐码", "Pickup code";
    DiningCancel => "取消订单", "Cancel order";
    DiningCancelled => "订单已取消，预留金额已退回。", "Order cancelled; the held amount is free again.";
    OrderPlaced => "已下单", "Placed";
    OrderCooking => "制作中", "Cooking";
    OrderReady => "可取餐", "Ready";
    OrderPickedUp => "已取餐", "Picked up";
    OrderCancelled => "已取消", "Cancelled";
    QueueTitle => "窗口订单队列", "Window queue";
    QueueEmpty => "当前没有订单。", "No orders now.";
    QueueScan => "扫取餐码", "Scan pickup code";
    QueueScanHint => "扫码枪扫描顾客的取餐码后回车，订单标记为已取餐。", "Scan the customer's pickup code and press Enter: the order is marked picked up.";
    QueueStartCooking => "开始制作", "Start cooking";
    QueueMarkReady => "已做好", "Ready";
    QueueMarkPickedUp => "已取餐", "Picked up";
    QueueWalkIn => "现场", "Walk-in";
    QueueCodeUnknown => "这不是本窗口待取的订单。", "This is not an order waiting at this window.";
    DietTitle => "我的一周饮食", "My week of food";
    DietPrivacy => "只根据你自己在食堂取到的订单计算，只给你看；性别和活动量只保存在这台设备上。", "Worked out from your own picked-up canteen orders, shown to you alone; your sex and activity stay on this device.";
    DietSex => "性别", "Sex";
    DietFemale => "女", "Female";
    DietMale => "男", "Male";
    DietActivity => "身体活动", "Activity";
    DietLight => "轻（久坐为主）", "Light (mostly sitting)";
    DietModerate => "中（常走动、有锻炼）", "Moderate (walking, some exercise)";
    DietHeavy => "重（体力劳动或每天训练）", "Heavy (manual work or daily training)";
    DietCoverage => "近 7 天中有 {} 天在食堂订餐。", "Canteen orders on {} of the last 7 days.";
    DietPartial => "只算了食堂订单，别处吃的不在其中：能量、蛋白质和钠会偏低。", "Only canteen orders count; what you ate elsewhere is missing, so energy, protein and sodium read low.";
    DietNutrient => "营养素", "Nutrient";
    DietPerDay => "日均", "Per day";
    DietTarget => "参考值", "Target";
    DietStatus => "评价", "Verdict";
    DietLow => "偏低", "Low";
    DietOk => "适宜", "Within";
    DietHigh => "偏高", "High";
    DietSource => "参考：中国营养学会《中国居民膳食营养素参考摄入量（2023版）》，18–49 岁成人。", "Source: Chinese Nutrition Society, Chinese DRIs (2023 edition), adults 18–49.";
    NutrientEnergy => "能量", "Energy";
    NutrientProtein => "蛋白质", "Protein";
    NutrientFat => "脂肪（供能比）", "Fat (share of energy)";
    NutrientCarbohydrate => "碳水化合物（供能比）", "Carbohydrate (share of energy)";
    NutrientSodium => "钠", "Sodium";
    NutrientOther => "其他", "Other";
    SuggestMoreEnergy => "吃得偏少：正餐别省，主食要够。", "You eat too little: don't skip meals, and have enough staple food.";
    SuggestLessEnergy => "吃得偏多：少点油炸和甜食，七八分饱就好。", "You eat a lot: fewer fried and sweet dishes, stop when 70–80 % full.";
    SuggestMoreProtein => "蛋白质不足：多选鱼、蛋、豆制品或瘦肉。", "Not enough protein: choose fish, eggs, tofu or lean meat more often.";
    SuggestMoreFat => "脂肪偏少：适量加些坚果或用油烹调的菜。", "Little fat: add some nuts or dishes cooked with oil.";
    SuggestLessFat => "脂肪偏多：少选油炸、红烧，多选清蒸、水煮。", "Too much fat: fewer fried or braised dishes, more steamed or boiled ones.";
    SuggestMoreCarbohydrate => "主食偏少：米饭、面食、杂粮要吃够。", "Too little staple food: have enough rice, noodles or whole grains.";
    SuggestLessCarbohydrate => "主食偏多：换一部分为蔬菜和蛋白质。", "A lot of staple food: swap some for vegetables and protein.";
    SuggestLessSodium => "钠偏高：少选腌制、重口味的菜，少喝汤底。", "Too much sodium: fewer pickled or heavily seasoned dishes, less soup broth.";
    SuggestEatMoreRegularly => "这周订餐天数少，结果只供参考；规律三餐更健康。", "Few days of orders this week, so take this as a rough guide; regular meals are healthier.";
    DeliveriesTitle => "配送", "Deliveries";
    DeliveriesTakeout => "外卖配送单", "Takeout deliveries";
    DeliveriesNone => "现在没有待送的外卖。", "No deliveries waiting now.";
    DeliveriesRoom => "房间", "Room";
    DeliveriesClaim => "抢单", "Take it";
    DeliveriesDelivered => "已送达", "Delivered";
    DiningTakeout => "送到宿舍（配送费 {}）", "Deliver to my dorm (fee {})";
    DiningDorm => "宿舍楼", "Dorm building";
    DiningRoom => "房间号", "Room";
    DiningClosed => "这一餐食堂不开放。", "The canteen is closed for this meal.";
    FeedbackRateWhat => "评价", "Rate";
    FeedbackTheWindow => "窗口服务", "The window";
    FeedbackStars => "星级", "Stars";
    FeedbackComment => "评论（可选）", "Comment (optional)";
    FeedbackRate => "提交评价", "Send rating";
    FeedbackThanks => "谢谢你的评价。", "Thanks for rating.";
    FeedbackRatings => "大家的评价", "What diners say";
    FeedbackNoRatings => "还没有评价。", "No ratings yet.";
    ComplaintTitle => "意见与投诉", "Complaints";
    ComplaintLabel => "遇到什么问题？会直接送到食堂主管。", "What went wrong? It goes straight to the canteen's supervisors.";
    ComplaintSend => "提交", "Send";
    ComplaintSent => "已提交，主管处理后会通知你。", "Sent; you will be told when a supervisor answers.";
    ComplaintEmpty => "请写下具体问题（不超过 1000 字）。", "Please say what went wrong (at most 1000 characters).";
    ComplaintOpen => "待处理", "Waiting";
    ComplaintAcknowledged => "处理中", "Being handled";
    ComplaintResolved => "已解决", "Resolved";
    ComplaintReply => "回复", "Answer";
    ComplaintAcknowledge => "已知悉", "Acknowledge";
    ComplaintResolve => "已解决", "Resolve";
    InspectionTitle => "食品安全检查", "Food-safety inspections";
    InspectionNone => "暂无检查记录。", "No inspections recorded.";
    InspectionPass => "合格", "Passed";
    InspectionMinor => "基本合格，需整改", "Passed, with fixes needed";
    InspectionFail => "不合格", "Failed";
    DashTitle => "餐饮经营看板", "Dining dashboard";
    DashOrders => "已出餐 {} 单", "{} orders served";
    DashCancelled => "取消 {} 单", "{} cancelled";
    DashWait => "平均等待 {} 分钟", "average wait {} min";
    DashByHour => "各时段订单与刷卡（时）", "Orders and card sales by hour";
    DashByWindow => "各窗口订单与刷卡", "Orders and card sales by window";
    DashSatisfaction => "满意度趋势（星级×10）", "Satisfaction by day (stars ×10)";
    DashPopular => "热销菜品", "Best-selling dishes";
    DashCardSales => "窗口刷卡 {} 笔", "{} card sales at the windows";
    DashCardShort => "刷卡", "card";
    PhotoHint => "JPEG、PNG 或 WebP，每张不超过 8 MB，最多 {} 张。", "JPEG, PNG or WebP, up to 8 MB each, at most {}.";
    PhotoInvalid => "只能上传 8 MB 以内的 JPEG、PNG 或 WebP 图片。", "Only JPEG, PNG or WebP images of up to 8 MB can be attached.";
    PhotoTooMany => "照片数量已达上限。", "That is as many photos as this allows.";
    PhotoWaiting => "照片已保存在本机，联网上传后才能用于这项操作。", "The photo is kept on this device; it can be used here once it has uploaded.";
    PhotoUploading => "正在上传照片…", "Uploading photos…";
    PhotoNumber => "第 {} 张照片", "Photo {}";
    PhotoRemove => "移除第 {} 张照片", "Remove photo {}";
    DishPhotoAlt => "{}的照片", "Photo of {}";
    OfficeDishTitle => "菜品信息", "Dish details";
    OfficeDishPick => "菜品", "Dish";
    OfficeDishNone => "这个食堂还没有菜品。", "This canteen has no dishes yet.";
    OfficeAllergens => "过敏原", "Allergens";
    OfficeTags => "标签", "Tags";
    OfficePeriods => "供应餐次", "Served at";
    OfficeKcal => "能量（千卡/份）", "Energy (kcal per portion)";
    OfficeProtein => "蛋白质（克）", "Protein (g)";
    OfficeFat => "脂肪（克）", "Fat (g)";
    OfficeCarbs => "碳水化合物（克）", "Carbohydrate (g)";
    OfficeSodium => "钠（毫克）", "Sodium (mg)";
    OfficeDishPhoto => "菜品照片", "Photo";
    OfficeSave => "保存", "Save";
    OfficeSaved => "已保存。", "Saved.";
    OfficeNumberInvalid => "请填写不小于 0 的数字。", "Enter a number of 0 or more.";
    OfficePeriodsEmpty => "至少选择一个供应餐次。", "Choose at least one meal it is served at.";
    OfficeInvalid => "有内容不符合要求，请检查后再试。", "Something is not right; check it and try again.";
    CalendarTitle => "营业日历", "Opening calendar";
    CalendarIntro => "按工作日、周末和法定节假日设定各餐次是否营业（调休上班日按工作日）；个别日期可单独设定。", "Whether each meal opens on workdays, weekends and public holidays (make-up workdays count as workdays); single dates can be set apart.";
    CalendarWorkdays => "工作日", "Workdays";
    CalendarWeekends => "周末", "Weekends";
    CalendarHolidays => "节假日", "Holidays";
    CalendarOverrides => "特别安排", "Dates set apart";
    CalendarNoOverrides => "没有特别安排。", "No dates set apart.";
    CalendarDate => "日期", "Date";
    CalendarWholeDay => "全天", "Whole day";
    CalendarOpen => "营业", "Open";
    CalendarClosed => "停业", "Closed";
    CalendarNote => "说明（给就餐者看）", "Note (shown to diners)";
    CalendarAdd => "添加", "Add";
    CalendarRemove => "删除", "Remove";
    InspectionRecord => "记录检查", "Record an inspection";
    InspectionDate => "检查日期", "Date";
    InspectionInspector => "检查单位/人员", "Inspector";
    InspectionResultLabel => "结论", "Result";
    InspectionNotes => "情况说明", "Notes";
    InspectionPhotos => "现场照片", "Photos";
    InspectionSaved => "检查记录已发布。", "Inspection recorded and published.";
    InspectionPhotoAlt => "{} 检查照片", "Inspection photo, {}";
    RepairsSaved => "当前离线，显示的是上次同步的工单；操作会在联网后提交。", "Offline: these are the jobs as last synced; what you do is sent once the network is back.";
    RepairReport => "报修", "Report a fault";
    RepairCategory => "类别", "Kind";
    RepairUrgency => "紧急程度", "Urgency";
    RepairTag => "设备标签（扫码或输入）", "Asset tag (scan or type)";
    RepairTagHint => "设备上贴有 HQ- 开头的二维码标签时填写；否则选择楼栋和房间。", "If the thing has a QR tag starting HQ-, enter it; otherwise choose the building and room.";
    RepairAlreadyOpen => "这台设备已有未完成的报修：{}。可以关注它，无需重复报修。", "This asset already has an open repair: {}. You can follow it instead of reporting again.";
    RepairFollow => "关注这条报修", "Follow this repair";
    RepairAssetHistory => "维修记录（{} 条）", "Repair history ({})";
    RepairAssetNoHistory => "这台设备还没有维修记录。", "No repairs of this asset yet.";
    ScanCamera => "扫描设备二维码", "Scan the tag";
    ScanStop => "停止扫描", "Stop scanning";
    ScanPhoto => "拍照识别", "Read from a photo";
    ScanAim => "把摄像头对准设备上的二维码标签", "Point the camera at the QR tag on the thing";
    ScanFound => "已读取设备标签。", "Tag read.";
    ScanNotATag => "这不是设备标签的二维码。", "That QR code is not an asset tag.";
    ScanNoCamera => "无法打开摄像头，可以拍照识别或手动输入标签。", "The camera cannot be opened here; read the tag from a photo or type it.";
    ScanNothing => "照片里没有找到二维码，请靠近些再拍。", "No QR code found in the photo; take it closer.";
    RepairFollowed => "已关注：修好时会通知你。", "Following: you will be told when it is done.";
    RepairFollowing => "关注中", "Following";
    RepairUnfollow => "取消关注", "Stop following";
    RepairYourReport => "这是你的报修", "This is your report";
    RepairComment => "评价（选填）", "Comment (optional)";
    RepairBuilding => "楼栋", "Building";
    RepairRoom => "房间/位置", "Room or spot";
    RepairWhat => "问题描述", "What is wrong";
    RepairPhotos => "照片", "Photos";
    RepairSend => "提交报修", "Send report";
    RepairReported => "报修已提交。", "Reported.";
    RepairNeedText => "请描述问题。", "Say what is wrong.";
    RepairBadTag => "设备标签格式不对（应为 HQ- 开头）。", "That tag does not look right (it starts HQ-).";
    RepairUnknownTag => "找不到这个设备标签。", "No asset has this tag.";
    RepairMine => "我的报修", "My reports";
    RepairNone => "还没有报修。", "No reports yet.";
    RepairTechnician => "维修师傅", "Technician";
    RepairStars => "评分", "Rating";
    RepairAccept => "确认修好", "Accept";
    RepairReopenWhy => "没修好？说明原因", "Not fixed? Say why";
    RepairReopen => "重新报修", "Reopen";
    RepairNeedReason => "请填写原因。", "Give a reason.";
    RepairQueue => "我的工单", "My jobs";
    RepairQueueEmpty => "没有待处理的工单。", "No jobs waiting.";
    RepairClaim => "抢单", "Claim";
    RepairPauseWhy => "暂停原因", "Why pause";
    RepairPart => "使用配件", "Part used";
    RepairQuantity => "数量", "Quantity";
    RepairUsePart => "登记配件", "Record part";
    RepairDone => "处理情况", "What was done";
    RepairMinutes => "用时（分钟）", "Time spent (minutes)";
    RepairAfterPhotos => "完工照片", "Photos after";
    RepairCompleteInvalid => "请填写处理情况和用时（1–960 分钟）。", "Say what was done and the time spent (1–960 minutes).";
    RepairAll => "辖区工单", "Jobs in my zones";
    RepairReassignTo => "改派给", "Give to";
    RepairToPool => "放回抢单池", "Back to the pool";
    RepairReassignWhy => "改派原因", "Why";
    RepairReassign => "改派", "Reassign";
    StepAccept => "接单", "Accept";
    StepOnTheWay => "出发", "On my way";
    StepStart => "开始维修", "Start";
    StepPause => "暂停", "Pause";
    StepResume => "继续", "Resume";
    StepComplete => "完工", "Complete";
    RepairPlumbing => "水暖", "Plumbing";
    RepairElectrical => "电气", "Electrical";
    RepairCarpentry => "门窗家具", "Doors and furniture";
    RepairHvac => "空调暖通", "Heating and AC";
    RepairAppliance => "电器", "Appliances";
    RepairNetwork => "网络", "Network";
    RepairLocks => "门锁", "Locks";
    RepairOther => "其他", "Other";
    UrgencyLow => "不急", "Low";
    UrgencyNormal => "一般", "Normal";
    UrgencyHigh => "较急", "High";
    UrgencyEmergency => "紧急", "Emergency";
    JobOpen => "待接单", "Waiting for a technician";
    JobAssigned => "已派单", "Assigned";
    JobAccepted => "已接单", "Accepted";
    JobOnTheWay => "师傅在路上", "On the way";
    JobInProgress => "维修中", "Being repaired";
    JobPaused => "已暂停", "Paused";
    JobCompleted => "已完工，待确认", "Done, waiting for you to accept";
    JobClosed => "已完成", "Closed";
    SlaLeft => "还剩 {}", "{} left";
    SlaLate => "已超时 {}", "{} late";
    SlaMet => "按时完成", "Done in time";
    SlaMissed => "超时完成", "Done late";
    SlaMinutes => "{} 分钟", "{} min";
    SlaHours => "{} 小时", "{} h";
    SlaDays => "{} 天", "{} days";
    RepairTagOpen => "这台设备已有正在处理的报修：{}。你的描述会记入其中。", "This already has a repair under way: {}. Your words will be added to it.";
    RepairTagPrivacy => "无需登录，也不记录你的姓名。", "No sign-in needed; your name is not recorded.";
    RepairTagSignIn => "登录后可上传照片并跟踪进度", "Sign in to add photos and follow the repair";
    RepairTagSent => "已提交，报修编号 {}。谢谢！", "Sent: repair {}. Thank you!";
    RepairTagJoined => "已记入正在处理的报修 {}。谢谢！", "Added to repair {}, already under way. Thank you!";
    RepairDashTitle => "维修统计", "Repair figures";
    RepairDashSummary => "报修 {} 单", "{} reported";
    RepairDashBacklog => "积压 {} 单", "{} open";
    RepairDashCompleted => "完成 {} 单", "{} completed";
    RepairDashMttr => "平均修复 {} 分钟", "mean time to repair {} min";
    RepairDashSla => "按时 {}%", "{}% in time";
    RepairDashReopened => "返修 {}%", "{}% reopened";
    RepairDashByCategory => "各类别完成数", "Completed by kind";
    RepairDashByTechnician => "各师傅完成数", "Completed by technician";
    RepairDashByBuilding => "各楼栋", "By building";
    RepairPayTitle => "月度绩效与计件工资", "Monthly performance and piece-rate pay";
    RepairPayMonth => "月份", "Month";
    RepairPayJobs => "完成", "Jobs";
    RepairPayStars => "评分", "Stars";
    RepairPayPay => "计件工资", "Pay";
    RepairTechnicians => "维修师傅与排班", "Technicians and shifts";
    RepairSkills => "技能", "Skills";
    RepairZones => "负责片区", "Zones";
    RepairShiftDays => "上班日", "Days on shift";
    RepairShiftFrom => "上班", "From";
    RepairShiftTo => "下班", "To";
    RepairActive => "在岗", "Active";
    DayMon => "一", "Mon";
    DayTue => "二", "Tue";
    DayWed => "三", "Wed";
    DayThu => "四", "Thu";
    DayFri => "五", "Fri";
    DaySat => "六", "Sat";
    DaySun => "日", "Sun";
    RepairSlaTitle => "服务时限", "Service targets";
    RepairSlaIntro => "每类故障、每种紧急程度的响应和修复时限（小时）；新报修按此计时。", "Hours to respond and to fix, per kind of fault and urgency; new reports are timed by them.";
    RepairSlaRespond => "响应（小时）", "Respond (h)";
    RepairSlaResolve => "修复（小时）", "Fix (h)";
    RepairSlaInvalid => "修复时限不能短于响应时限，且都要大于 0。", "The time to fix must be at least the time to respond, and both above 0.";
    KioskQueueFailed => "已收款，但菜品没能加入窗口队列（可能已售罄），请人工安排。", "Paid, but the dishes could not join the window's queue (perhaps sold out); arrange it by hand.";
    PayCodeTitle => "付款码", "Pay code";
    PayCodeNote => "在窗口出示给收银员扫码。付款码每 30 秒更新一次，只能用一次；校园卡挂失时也能使用。",
        "Show it at the window to be scanned. It changes every 30 seconds and works once; it works while your card is reported lost.";
    PayCodeShow => "显示付款码", "Show pay code";
    PayCodeHide => "隐藏付款码", "Hide pay code";
    PayCodeRefresh => "更新倒计时", "New code in";
    RefundTitle => "退款", "Refund";
    RefundSupervisor => "主管用户名（由主管本人输入）", "Supervisor's username (typed by the supervisor)";
    RefundSubmit => "确认退款", "Refund";
    RefundDone => "已退款：", "Refunded:";
    ErrRefundAmount => "退款金额不能超过这笔消费剩余可退的金额。", "The refund cannot exceed what is left of this sale.";
    ErrSupervisor => "需要本食堂主管的用户名和密码。", "A supervisor of this canteen must enter their username and password.";
    ServiceUnavailableBody => "我们正在建设这项服务，开放后会在这里提供，届时也会通知你。",
        "We are still building this service. It will appear here when it opens, and we will let you know.";
    UnknownService => "没有这项服务。", "There is no such service.";

    NotificationsTitle => "通知", "Notifications";
    MarkAllRead => "全部标为已读", "Mark all as read";
    AllMarkedRead => "已全部标为已读。", "All notifications are marked as read.";
    NoNotifications => "暂时没有通知。", "You have no notifications.";
    Unread => "未读", "Unread";
    AccountNotice => "账号", "Account";
    MarkRead => "标为已读", "Mark as read";
    Open => "查看", "Open";
    NotificationsLoadFailed => "通知加载失败，请稍后重试。",
        "Notifications could not be loaded. Please try again.";

    // The sync indicator: a short text, and a full sentence for screen readers.
    SyncOnline => "已同步", "Up to date";
    SyncOffline => "离线", "Offline";
    SyncSyncing => "同步中", "Syncing";
    SyncPending => "{} 项待同步", "{} to sync";
    SyncRejected => "{} 项未通过", "{} not accepted";
    // Each label follows the short text after a colon, so the accessible name
    // starts with the visible words.
    SyncOnlineLabel => "所有更改都已保存到服务器。点按查看同步详情。",
        "every change is saved on the server. Open the sync details.";
    SyncOfflineLabel => "更改会先保存在本设备，联网后自动同步。点按查看同步详情。",
        "changes are kept on this device and sync by themselves once you are online. Open the sync details.";
    SyncOfflinePendingLabel => "{} 项更改保存在本设备，联网后自动同步。点按查看。",
        "{} changes are kept on this device and sync by themselves once you are online. Open the list.";
    SyncOfflineWebLabel => "无法连接服务器，网页版需要联网才能保存更改。点按查看详情。",
        "the server cannot be reached, and the web app needs it to save changes. Open the details.";
    SyncSyncingLabel => "正在把更改发送到服务器。点按查看同步详情。",
        "your changes are being sent to the server. Open the sync details.";
    SyncPendingLabel => "更改会自动发送到服务器。点按查看。",
        "the changes are sent to the server by themselves. Open the list.";
    SyncRejectedLabel => "服务器没有接受这些更改。点按查看原因。",
        "the server refused these changes. Open the list to see why.";
    LabelColon => "：", ": ";

    PendingTitle => "同步", "Sync";
    PendingIntro => "在本设备上做的更改会先保存在这里，联网后按顺序发送到服务器。",
        "Changes you make on this device are kept here first and sent to the server, in order, once you are online.";
    PendingWebIntro => "网页版的每项更改都会立即在线保存，所以这里没有待同步的内容。需要离线使用时，请安装后勤 App。",
        "The web app saves every change online at once, so nothing ever waits here. To work offline, install the Houqin app.";
    PendingEmpty => "没有待同步的更改，一切都已保存。", "Nothing is waiting: every change is saved.";
    PendingLoadFailed => "无法读取待同步的更改，请重试。", "The waiting changes could not be read. Please try again.";
    PendingListTitle => "更改", "Changes";
    SyncNow => "立即同步", "Sync now";
    SyncingNow => "正在同步…", "Syncing…";
    SyncDone => "同步完成。", "Sync finished.";
    LastSynced => "上次同步", "Last synced";
    NeverSynced => "尚未同步", "Not yet";
    Connection => "连接", "Connection";
    ConnectionOnline => "已连接服务器", "Connected to the server";
    ConnectionOffline => "无法连接服务器", "Cannot reach the server";
    ConnectionChecking => "正在检查", "Checking";
    ActionPending => "等待同步", "Waiting";
    ActionAccepted => "已完成", "Done";
    ActionRejected => "未通过", "Not accepted";
    ActionUnknown => "处理中", "In progress";
    MadeAt => "操作于", "Made";
    Dismiss => "知道了", "Dismiss";
    DismissLabel => "知道了，从列表中移除这项未通过的更改", "Dismiss: remove this refused change from the list";
    RejectField => "有问题的项：", "The item at fault: ";

    CmdMarkRead => "标记通知已读", "Mark notifications read";
    CmdSetLang => "更改语言", "Change language";

    RejectValidation => "服务器认为内容不符合要求，这项更改没有生效。",
        "The server found the details invalid, so this change was not made.";
    RejectForbidden => "你没有执行此操作的权限，这项更改没有生效。",
        "You are not allowed to do this, so the change was not made.";
    RejectConflict => "在你离线期间情况有了变化（例如已被他人处理），这项更改没有生效。请查看最新情况后再试。",
        "Things changed while you were offline (for example, someone else dealt with it), so this change was not made. Check the latest state and try again.";
    RejectNotFound => "要更改的内容已不存在，这项更改没有生效。",
        "What this change was about no longer exists, so it was not made.";
    RejectSignedOut => "这项更改发送时登录已失效，它没有生效。请重新登录后再做一次。",
        "Your sign-in had ended when this change was sent, so it was not made. Sign in and do it again.";
    RejectAccountDisabled => "该账号已停用，这项更改没有生效。如有疑问，请联系后勤服务中心。",
        "This account has been disabled, so the change was not made. Please contact the logistics service centre.";
    RejectUnreadable => "服务器无法读取这项更改，可能需要更新 App。它没有生效。",
        "The server could not read this change; the app may need an update. The change was not made.";
    RejectOther => "服务器未能处理这项更改，它没有生效。请稍后再做一次。",
        "The server could not process this change, so it was not made. Please do it again later.";

    MeTitle => "我的账号", "My account";
    DisplayName => "姓名", "Name";
    Roles => "身份", "Roles";
    Language => "界面语言", "Language";
    LangZh => "简体中文", "简体中文";
    LangEn => "English", "English";
    LangSaveFailed => "已在本设备切换语言，但未能保存到账号，下次登录时可能恢复原设置。",
        "The language changed on this device but could not be saved to your account; it may switch back next time you sign in.";
    ChangePassword => "修改密码", "Change password";
    CurrentPassword => "当前密码", "Current password";
    NewPassword => "新密码", "New password";
    NewPasswordHint => "至少 8 个字符。", "At least 8 characters.";
    ConfirmPassword => "再次输入新密码", "Repeat the new password";
    SavePassword => "保存新密码", "Save new password";
    Saving => "正在保存…", "Saving…";
    PasswordChanged => "密码已修改。", "Your password has been changed.";
    ErrCurrentPasswordRequired => "请输入当前密码。", "Please enter your current password.";
    ErrCurrentPasswordWrong => "当前密码不正确。", "The current password is incorrect.";
    ErrPasswordTooShort => "新密码至少需要 8 个字符。", "The new password needs at least 8 characters.";
    ErrPasswordTooLong => "新密码不能超过 128 个字符。", "The new password can have at most 128 characters.";
    ErrPasswordSame => "新密码不能与当前密码相同。", "The new password must differ from the current one.";
    ErrPasswordMismatch => "两次输入的新密码不一致。", "The two new passwords do not match.";
    ErrFieldInvalid => "此项不符合要求，请检查。", "This does not meet the requirements. Please check it.";

    PrivacyTitle => "我们保存什么，为什么", "What we keep and why";
    PrivacyDevice => "在这台设备上：登录凭证（让你不必每次都输入密码，退出登录时删除）；一个随机生成的设备编号（登录会话与设备绑定，便于发现异常登录）；付款码密钥（在本机为付款码签名，只有公钥会发给服务器）；界面语言；上次登录的用户名（方便下次登录）；收银机所在的窗口（仅收银机）。",
        "On this device: your sign-in tokens (so you need not type your password every time; deleted when you sign out); a random device number (sessions are tied to a device, so unusual sign-ins stand out); a pay-code key (it signs your pay codes here; only its public half goes to the server); your interface language; the last username used here (to save typing next time); the window a kiosk stands at (kiosks only).";
    PrivacyAccount => "在服务器上：用户名、姓名、身份及其适用范围（决定你能使用哪些服务）、语言偏好、加盐哈希后的密码（任何人都看不到密码原文）、你的登录会话和发给你的通知。",
        "On the server: your username, name, roles and where they apply (they decide which services you can use), your language preference, a salted hash of your password (nobody can read the password itself), your sessions and the notifications sent to you.";
    PrivacyAudit => "登录、退出、修改密码等与安全有关的操作会记入审计日志（时间、IP 地址、结果），用于发现账号被盗用和排查问题。",
        "Security events such as signing in, signing out and changing your password are written to an audit log (time, IP address, outcome) to detect stolen accounts and investigate problems.";
    PrivacyNoAds => "没有广告，不做用户画像，不向第三方提供你的数据。每项服务只收集它必需的最少信息，开放时会在这里说明。",
        "No ads, no profiling, and your data is not given to third parties. Each service collects only the least it needs, and will say so here when it opens.";

    RoleStudent => "学生", "Student";
    RoleStaff => "教职工", "Staff";
    RoleTechnician => "维修技师", "Technician";
    RoleSupervisor => "主管", "Supervisor";
    RoleCashier => "收银员", "Cashier";
    RoleCourier => "快递员", "Courier";
    RoleManager => "管理人员", "Manager";
    RoleAdmin => "系统管理员", "Administrator";

    ServiceDining => "餐饮", "Dining";
    ServiceDorms => "公寓", "Dorms";
    ServiceVehicles => "车辆", "Vehicles";
    ServiceClassrooms => "智慧教室", "Smart classrooms";
    ServiceShop => "校园商城", "Campus shop";
    ServiceRepairs => "维修", "Repairs";
    ServiceProperty => "物业", "Property";
    ServiceEnergy => "能源", "Energy";
    ServiceSafety => "安全", "Safety";
    ServiceParcels => "快递", "Parcels";
    ServiceSupply => "物资", "Supplies";
    ServiceHr => "人力资源", "Human resources";
    ServiceBookings => "场馆预约", "Bookings";
    ServicePayments => "校园卡", "Campus card";

    AboutDining => "食堂菜单、预订取餐、外卖和评价", "Canteen menus, pre-orders, takeout and ratings";
    AboutDorms => "选房、入住退宿、门锁和宿舍通知", "Room selection, check-in and out, locks and dorm notices";
    AboutVehicles => "校园用车、班车和门禁", "Campus vehicles, shuttles and gates";
    AboutClassrooms => "教室设备状态和远程控制", "Classroom devices and remote control";
    AboutShop => "校园商品下单、取货与配送", "Campus goods, pickup and delivery";
    AboutRepairs => "随时报修、进度跟踪和评价", "Report faults any time and follow the repair";
    AboutProperty => "物业缴费、服务请求和投诉", "Property fees, service requests and complaints";
    AboutEnergy => "水电计量、额度和用能提醒", "Metering, allowances and usage alerts";
    AboutSafety => "安全预警和事件上报", "Early warnings and incident reports";
    AboutParcels => "驿站、快递柜、取件码和送货上门", "Stations, lockers, pickup codes and delivery";
    AboutSupply => "申领、采购、库存和配送", "Requisitions, purchasing, stock and distribution";
    AboutHr => "人员档案、培训、考核和薪酬", "Staff records, training, assessment and pay";
    AboutBookings => "场馆、会议室和仪器预约", "Book venues, meeting rooms and instruments";
    AboutPayments => "校园卡余额、充值和付款码", "Card balance, top-up and pay code";
}

/// The current UI language, shared by every component.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Lang>,
}

impl I18n {
    /// Switches the UI and remembers the choice on this device.
    pub fn set(self, lang: Lang) {
        crate::api::store_lang(lang);
        self.lang.set(lang);
    }
}

/// Starts with the language remembered on this device, else Chinese, and keeps
/// `<html lang>` and the document title in step with it.
pub fn provide_i18n() -> I18n {
    let i18n = I18n {
        lang: RwSignal::new(crate::api::saved_lang().unwrap_or_default()),
    };
    Effect::new(move |_| {
        let lang = i18n.lang.get();
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Some(html) = document.document_element() {
                let _ = html.set_attribute("lang", lang.as_str());
            }
            document.set_title(Key::AppName.text(lang));
        }
    });
    provide_context(i18n);
    i18n
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// Reactive text for a key: use it directly as a child or attribute in `view!`.
pub fn tx(key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_i18n().lang;
    move || key.text(lang.get())
}

/// `text` with `{}` replaced by `arg`.
pub fn fill(text: &str, arg: impl std::fmt::Display) -> String {
    text.replacen("{}", &arg.to_string(), 1)
}

pub fn role_key(role: Role) -> Key {
    match role {
        Role::Student => Key::RoleStudent,
        Role::Staff => Key::RoleStaff,
        Role::Technician => Key::RoleTechnician,
        Role::Supervisor => Key::RoleSupervisor,
        Role::Cashier => Key::RoleCashier,
        Role::Courier => Key::RoleCourier,
        Role::Manager => Key::RoleManager,
        Role::Admin => Key::RoleAdmin,
    }
}

pub fn service_key(service: Service) -> Key {
    match service {
        Service::Dining => Key::ServiceDining,
        Service::Dorms => Key::ServiceDorms,
        Service::Vehicles => Key::ServiceVehicles,
        Service::Classrooms => Key::ServiceClassrooms,
        Service::Shop => Key::ServiceShop,
        Service::Repairs => Key::ServiceRepairs,
        Service::Property => Key::ServiceProperty,
        Service::Energy => Key::ServiceEnergy,
        Service::Safety => Key::ServiceSafety,
        Service::Parcels => Key::ServiceParcels,
        Service::Supply => Key::ServiceSupply,
        Service::Hr => Key::ServiceHr,
        Service::Bookings => Key::ServiceBookings,
        Service::Payments => Key::ServicePayments,
    }
}

pub fn service_about_key(service: Service) -> Key {
    match service {
        Service::Dining => Key::AboutDining,
        Service::Dorms => Key::AboutDorms,
        Service::Vehicles => Key::AboutVehicles,
        Service::Classrooms => Key::AboutClassrooms,
        Service::Shop => Key::AboutShop,
        Service::Repairs => Key::AboutRepairs,
        Service::Property => Key::AboutProperty,
        Service::Energy => Key::AboutEnergy,
        Service::Safety => Key::AboutSafety,
        Service::Parcels => Key::AboutParcels,
        Service::Supply => Key::AboutSupply,
        Service::Hr => Key::AboutHr,
        Service::Bookings => Key::AboutBookings,
        Service::Payments => Key::AboutPayments,
    }
}

/// What to tell the user about a failed call.
pub fn error_key(error: &ApiError) -> Key {
    if error.is_unreachable() {
        return Key::ErrNetwork;
    }
    match error.code() {
        Some(ErrorCode::InvalidCredentials) => Key::ErrInvalidCredentials,
        Some(ErrorCode::LockedOut) => Key::ErrLockedOut,
        Some(ErrorCode::RateLimited) => Key::ErrRateLimited,
        Some(ErrorCode::AccountDisabled) => Key::ErrAccountDisabled,
        Some(ErrorCode::SessionExpired | ErrorCode::Unauthenticated) => Key::ErrSessionExpired,
        Some(ErrorCode::Forbidden) => Key::ErrForbidden,
        _ => Key::ErrUnknown,
    }
}

/// A queued command's name in words, when this version knows the command;
/// the caller shows an unknown one as it is.
pub fn command_key(name: &str) -> Option<Key> {
    match name {
        MarkRead::NAME => Some(Key::CmdMarkRead),
        SetLangRequest::NAME => Some(Key::CmdSetLang),
        _ => None,
    }
}

/// Why the server refused a queued command, as a plain sentence.
pub fn rejection_key(code: ErrorCode) -> Key {
    match code {
        ErrorCode::Validation => Key::RejectValidation,
        ErrorCode::Forbidden => Key::RejectForbidden,
        ErrorCode::Conflict => Key::RejectConflict,
        ErrorCode::NotFound => Key::RejectNotFound,
        ErrorCode::Unauthenticated | ErrorCode::SessionExpired => Key::RejectSignedOut,
        ErrorCode::AccountDisabled => Key::RejectAccountDisabled,
        ErrorCode::MalformedRequest | ErrorCode::PayloadTooLarge => Key::RejectUnreadable,
        ErrorCode::InvalidCredentials
        | ErrorCode::LockedOut
        | ErrorCode::RateLimited
        | ErrorCode::Internal
        | ErrorCode::Unavailable
        | ErrorCode::Unknown => Key::RejectOther,
    }
}

/// A server-supplied name in the current language.
pub fn local_name(name: &LocalName, lang: Lang) -> String {
    name.get(lang.as_str()).to_owned()
}

/// `2026-03-01 08:05` in the device's time zone.
pub fn format_datetime(at: DateTime<Utc>) -> String {
    // JS reports minutes *behind* UTC (UTC+8 is -480).
    let minutes_behind = js_sys::Date::new_0().get_timezone_offset();
    format_at_offset(at, -(minutes_behind as i32))
}

fn format_at_offset(at: DateTime<Utc>, minutes_ahead: i32) -> String {
    let offset = FixedOffset::east_opt(minutes_ahead * 60).unwrap_or(Utc.fix());
    // Spelled out rather than `format("%Y…")`, which brings a parser into the wasm.
    let at = at.with_timezone(&offset);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute()
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn every_key_has_both_languages_with_the_same_placeholders() {
        for key in Key::ALL {
            let zh = key.text(Lang::ZhCn);
            let en = key.text(Lang::En);
            assert!(!zh.is_empty() && !en.is_empty(), "{key:?} is empty");
            assert_eq!(
                zh.matches("{}").count(),
                en.matches("{}").count(),
                "{key:?}"
            );
        }
    }

    #[test]
    fn every_role_and_service_has_a_name() {
        for role in Role::ALL {
            assert!(!role_key(role).text(Lang::ZhCn).is_empty());
        }
        assert_eq!(service_key(Service::Dining).text(Lang::ZhCn), "餐饮");
        assert_eq!(service_key(Service::Payments).text(Lang::ZhCn), "校园卡");
        assert_eq!(role_key(Role::Technician).text(Lang::ZhCn), "维修技师");
        let services: std::collections::HashSet<Key> =
            Service::ALL.into_iter().map(service_key).collect();
        assert_eq!(services.len(), Service::ALL.len());
    }

    #[test]
    fn commands_have_names_and_unknown_ones_do_not() {
        assert_eq!(
            command_key("notifications.mark_read").map(|k| k.text(Lang::ZhCn)),
            Some("标记通知已读")
        );
        assert_eq!(
            command_key("accounts.set_lang").map(|k| k.text(Lang::En)),
            Some("Change language")
        );
        assert_eq!(command_key("repairs.open_ticket"), None);
        assert_eq!(command_key(""), None);
    }

    #[test]
    fn every_refusal_has_a_reason() {
        let cases = [
            (ErrorCode::Validation, Key::RejectValidation),
            (ErrorCode::Forbidden, Key::RejectForbidden),
            (ErrorCode::Conflict, Key::RejectConflict),
            (ErrorCode::NotFound, Key::RejectNotFound),
            (ErrorCode::SessionExpired, Key::RejectSignedOut),
            (ErrorCode::Unauthenticated, Key::RejectSignedOut),
            (ErrorCode::AccountDisabled, Key::RejectAccountDisabled),
            (ErrorCode::MalformedRequest, Key::RejectUnreadable),
            (ErrorCode::PayloadTooLarge, Key::RejectUnreadable),
            (ErrorCode::Internal, Key::RejectOther),
            (ErrorCode::Unknown, Key::RejectOther),
        ];
        for (code, key) in cases {
            assert_eq!(rejection_key(code), key, "{code:?}");
        }
        // A code from a newer server reads as the catch-all.
        let newer: ErrorCode = serde_json::from_str("\"slot_taken\"").expect("catch-all");
        assert_eq!(rejection_key(newer), Key::RejectOther);
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(fill(Key::UnreadMany.text(Lang::ZhCn), 3), "3 条未读通知");
        assert_eq!(
            fill(Key::UnreadMany.text(Lang::En), 12),
            "12 unread notifications"
        );
    }

    #[test]
    fn formats_in_local_time() {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 1, 0, 5, 0)
            .single()
            .expect("valid");
        assert_eq!(format_at_offset(at, 480), "2026-03-01 08:05");
        assert_eq!(format_at_offset(at, -60), "2026-02-28 23:05");
    }
}
